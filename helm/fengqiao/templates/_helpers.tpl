{{/* Names */}}
{{- define "fengqiao.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "fengqiao.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "fengqiao.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Standard labels; include with (dict "ctx" $ "component" "web"). */}}
{{- define "fengqiao.labels" -}}
helm.sh/chart: {{ include "fengqiao.chart" .ctx }}
{{ include "fengqiao.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: fengqiao
{{- end }}

{{- define "fengqiao.selectorLabels" -}}
app.kubernetes.io/name: {{ include "fengqiao.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{- define "fengqiao.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "fengqiao.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "fengqiao.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
The Secret web, worker and scheduler read. The schema already refuses a half-filled
configuration; these `required`s repeat it for `--skip-schema-validation` installs.
*/}}
{{- define "fengqiao.secretName" -}}
{{- if .Values.existingSecret }}
{{- if or .Values.secret.secretKey .Values.secret.auditKeys .Values.database.url .Values.database.ownerUrl .Values.redis.url }}
{{- fail "existingSecret excludes secret.secretKey, secret.auditKeys, database.url, database.ownerUrl and redis.url: set one or the other" }}
{{- end }}
{{- .Values.existingSecret }}
{{- else }}
{{- $_ := required "secret.secretKey is required (or set existingSecret)" .Values.secret.secretKey }}
{{- $_ := include "fengqiao.auditKeys" . }}
{{- $_ := required "database.url is required (or set existingSecret)" .Values.database.url }}
{{- $_ := required "redis.url is required (or set existingSecret)" .Values.redis.url }}
{{- include "fengqiao.fullname" . }}
{{- end }}
{{- end }}

{{/*
secret.auditKeys (FENGQIAO_AUDIT_KEYS), checked as the app checks it (app/config.py,
_audit_keys): `<id>:<secret>` pairs separated by commas, each id at most 32 ASCII
characters without `:` or `,`, each secret at least 16 characters. Checked here rather
than by a pattern in values.schema.json, whose messages would print the value.
*/}}
{{- define "fengqiao.auditKeys" -}}
{{- $keys := required "secret.auditKeys is required (or set existingSecret): FENGQIAO_AUDIT_KEYS, `<key id>:<secret>[,<id>:<secret>...]`, the key that signs new audit rows first" .Values.secret.auditKeys }}
{{- $pair := `\s*[\x21-\x2b\x2d-\x39\x3b-\x7e][\x20-\x2b\x2d-\x39\x3b-\x7e]{0,31}:[^,]{15,}[^,\s]\s*` }}
{{- if not (regexMatch (printf "^%s(,%s)*$" $pair $pair) $keys) }}
{{- fail "secret.auditKeys must be `<id>:<secret>` pairs separated by commas, each id at most 32 ASCII characters and each secret at least 16 characters" }}
{{- end }}
{{- $keys }}
{{- end }}

{{/* The Secret the migration Job reads: see migrations-secret.yaml for why it differs. */}}
{{- define "fengqiao.migrationsSecretName" -}}
{{- if .Values.existingSecret }}
{{- .Values.existingSecret }}
{{- else }}
{{- $_ := required "database.ownerUrl is required (or set existingSecret)" .Values.database.ownerUrl }}
{{- printf "%s-migrations" (include "fengqiao.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* Pod annotations: a change of config or secret values rolls the pods. */}}
{{- define "fengqiao.podAnnotations" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- if not .Values.existingSecret }}
checksum/secret: {{ include (print .Template.BasePath "/secret.yaml") . | sha256sum }}
{{- end }}
{{- with .Values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Environment of web, worker and scheduler. */}}
{{- define "fengqiao.env" -}}
- name: SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "fengqiao.secretName" . }}
      key: secret-key
- name: FENGQIAO_AUDIT_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ include "fengqiao.secretName" . }}
      key: audit-keys
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "fengqiao.secretName" . }}
      key: database-url
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "fengqiao.secretName" . }}
      key: redis-url
{{- end }}

{{/*
The claim the audit chains' signed heads are written to (auditHeads.existingClaim), and
where the worker mounts it: FENGQIAO_AUDIT_HEADS_DIR.
*/}}
{{- define "fengqiao.auditHeadsClaim" -}}
{{- (.Values.auditHeads | default dict).existingClaim | default "" }}
{{- end }}

{{- define "fengqiao.auditHeadsDir" -}}
/var/lib/fengqiao/audit-heads
{{- end }}

{{- define "fengqiao.envFrom" -}}
- configMapRef:
    name: {{ include "fengqiao.fullname" . }}
{{- end }}

{{- define "fengqiao.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end }}

{{- define "fengqiao.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end }}

{{/* Pod-level settings every workload shares. */}}
{{- define "fengqiao.podCommon" -}}
serviceAccountName: {{ include "fengqiao.serviceAccountName" . }}
automountServiceAccountToken: false
enableServiceLinks: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end }}

{{/* Egress every component needs: DNS. */}}
{{- define "fengqiao.egressDns" -}}
- ports:
    - {protocol: UDP, port: 53}
    - {protocol: TCP, port: 53}
  {{- with .Values.networkPolicy.egress.dns.to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}

{{- define "fengqiao.egressPostgresql" -}}
- ports:
    - {protocol: TCP, port: {{ .Values.database.port }}}
  {{- with .Values.networkPolicy.egress.postgresqlCidrs }}
  to:
    {{- range . }}
    - ipBlock: {cidr: {{ . | quote }}}
    {{- end }}
  {{- end }}
{{- end }}

{{- define "fengqiao.egressRedis" -}}
- ports:
    - {protocol: TCP, port: {{ .Values.redis.port }}}
  {{- with .Values.networkPolicy.egress.redisCidrs }}
  to:
    {{- range . }}
    - ipBlock: {cidr: {{ . | quote }}}
    {{- end }}
  {{- end }}
{{- end }}
