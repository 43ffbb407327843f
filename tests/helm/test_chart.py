"""The Helm chart (helm/fengqiao), linted and rendered without a cluster or a helm binary.

helm-python-sdk embeds Helm's Go library (lint, schema validation, template rendering
exactly as `helm template` does); kubernetes-validate checks every rendered object against
the Kubernetes OpenAPI schemas in strict mode (an unknown field is an error).
"""

import base64
import copy
import re
import shutil
from pathlib import Path

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

from app.config import ConfigError, _audit_keys

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "fengqiao"
RELEASE, NAMESPACE = "fq", "police"
FULLNAME = "fq-fengqiao"
# The oldest Kubernetes the chart declares (kubeVersion) and the newest the validator knows.
KUBE_VERSIONS = ("1.25", kubernetes_validate.utils.latest_version())

# Two audit keys, the signing one first, as after a rotation.
AUDIT_KEYS = f"2026b:{'b' * 64},2026a:{'a' * 64}"
MINIMAL = {
    "secret": {"secretKey": "k" * 64, "auditKeys": AUDIT_KEYS},
    "database": {
        "url": "postgresql://fengqiao_app:app-pw@db.internal:5432/fengqiao",
        "ownerUrl": "postgresql://fengqiao_owner:owner-pw@db.internal:5432/fengqiao",
    },
    "redis": {"url": "redis://:redis-pw@redis.internal:6379/0"},
}
EXISTING = {
    "existingSecret": "fengqiao-credentials",
    "image": {"repository": "registry.county.internal/fengqiao", "tag": "2024.06.1"},
    "networkPolicy": {
        "egress": {"postgresqlCidrs": ["10.20.0.0/24"], "redisCidrs": ["10.20.1.10/32"]}
    },
}
SCALED = {
    **MINIMAL,
    "web": {"autoscaling": {"enabled": True, "minReplicas": 3, "maxReplicas": 10,
                            "targetMemoryUtilizationPercentage": 80}},
    "worker": {"autoscaling": {"enabled": True, "minReplicas": 2, "maxReplicas": 5}},
    "ingress": {
        "enabled": True,
        "className": "nginx",
        "hosts": [{"host": "fq.county.internal", "paths": [{"path": "/", "pathType": "Prefix"}]}],
        "tls": [{"secretName": "fq-tls", "hosts": ["fq.county.internal"]}],
    },
    "config": {"extraEnv": {"THROTTLE_ACCOUNT_LIMIT": "3"}},
}
VALUE_SETS = {"minimal": MINIMAL, "existing-secret": EXISTING, "scaled": SCALED}


def merged(base, **overrides):
    """``base`` with ``overrides`` merged in depth (a dict merges, anything else replaces)."""
    out = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], **value)
        else:
            out[key] = value
    return out


@pytest.fixture(scope="module")
def chart():
    with helm.Chart.load(CHART) as loaded:
        yield loaded


def render(chart, values):
    manifests = chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    objects = []
    for path, text in sorted(manifests.items()):
        if path.endswith("NOTES.txt"):
            continue
        objects += [doc for doc in yaml.safe_load_all(text) if doc]
    return objects


def of_kind(objects, kind):
    return [o for o in objects if o["kind"] == kind]


def named(objects, kind, name):
    found = [o for o in of_kind(objects, kind) if o["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def pod_specs(objects):
    """(owner name, pod spec) of every workload: Deployments and the Job."""
    return [(o["metadata"]["name"], o["spec"]["template"]["spec"])
            for o in objects if o["kind"] in {"Deployment", "Job"}]


def containers(objects):
    return [(name, c) for name, spec in pod_specs(objects)
            for c in spec["containers"] + spec.get("initContainers", [])]


def env_of(container):
    return {e["name"]: e for e in container.get("env", [])}


def secret_refs(objects):
    """Every secretKeyRef as (workload, container, env name, secret name, key)."""
    return [(owner, c["name"], e["name"], e["valueFrom"]["secretKeyRef"]["name"],
             e["valueFrom"]["secretKeyRef"]["key"])
            for owner, c in containers(objects)
            for e in c.get("env", []) if "secretKeyRef" in e.get("valueFrom", {})]


def schema_error(chart, values):
    with pytest.raises(helm.HelmValuesError) as caught:
        chart.validate_schema(values)
    return str(caught.value)


# --- lint and Kubernetes schemas ------------------------------------------------------------

def test_chart_metadata(chart):
    meta = chart.metadata
    assert (meta["apiVersion"], meta["name"]) == ("v2", "fengqiao")
    assert (meta["version"], meta["appVersion"]) == ("0.1.0", "0.1.0")


@pytest.mark.parametrize("values", VALUE_SETS.values(), ids=VALUE_SETS.keys())
def test_lint_is_clean(values):
    report = helm.lint(CHART, values, strict=True, namespace=NAMESPACE, kube_version="v1.30.0")
    problems = [m for m in report["messages"] if m["severity"] >= 2]  # warnings and errors
    assert report["errors"] == [] and problems == [], report


def test_lint_without_credentials_fails():
    report = helm.lint(CHART)
    assert any("missing properties 'secretKey', 'auditKeys'" in error
               for error in report["errors"]), report


@pytest.mark.parametrize("values", VALUE_SETS.values(), ids=VALUE_SETS.keys())
def test_every_object_is_valid_kubernetes(chart, values):
    objects = render(chart, values)
    assert len(objects) >= 10
    for obj in objects:
        for version in KUBE_VERSIONS:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                where = ".".join(str(p) for p in error.path)
                pytest.fail(f"{obj['kind']} {obj['metadata']['name']} (Kubernetes {version}): "
                            f"{where}: {error.message}")


def test_strict_validation_does_reject_unknown_fields(chart):
    # The check above means something: a misspelt field in a rendered object is refused.
    deployment = copy.deepcopy(named(render(chart, MINIMAL), "Deployment", f"{FULLNAME}-web"))
    deployment["spec"]["replica"] = deployment["spec"].pop("replicas")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBE_VERSIONS[-1], strict=True)


def test_objects_carry_the_standard_labels(chart):
    for obj in render(chart, SCALED):
        labels = obj["metadata"]["labels"]
        assert labels["app.kubernetes.io/name"] == "fengqiao", obj["metadata"]["name"]
        assert labels["app.kubernetes.io/instance"] == RELEASE
        assert labels["app.kubernetes.io/version"] == "0.1.0"
        assert labels["app.kubernetes.io/managed-by"] == "Helm"
        assert labels["helm.sh/chart"] == "fengqiao-0.1.0"


def test_selectors_pick_one_component_each(chart):
    objects = render(chart, SCALED)
    pods = {o["metadata"]["name"]: o["spec"]["template"]["metadata"]["labels"]
            for o in objects if o["kind"] in {"Deployment", "Job"}}

    def matches(selector):
        return sorted(name for name, labels in pods.items()
                      if all(labels.get(k) == v for k, v in selector.items()))

    for deployment in of_kind(objects, "Deployment"):
        name = deployment["metadata"]["name"]
        assert matches(deployment["spec"]["selector"]["matchLabels"]) == [name]
    service = named(objects, "Service", FULLNAME)
    assert matches(service["spec"]["selector"]) == [f"{FULLNAME}-web"]
    for policy in of_kind(objects, "NetworkPolicy"):
        assert len(matches(policy["spec"]["podSelector"]["matchLabels"])) == 1
    for budget in of_kind(objects, "PodDisruptionBudget"):
        assert len(matches(budget["spec"]["selector"]["matchLabels"])) == 1


# --- workloads -------------------------------------------------------------------------------

def test_workloads_run_the_documented_commands(chart):
    objects = render(chart, MINIMAL)
    commands = {name: spec["containers"][0]["command"] for name, spec in pod_specs(objects)}
    assert commands == {
        f"{FULLNAME}-web": ["gunicorn", "--config", "python:app.gunicorn_conf", "app.wsgi:app"],
        f"{FULLNAME}-worker": ["fengqiao", "worker"],
        f"{FULLNAME}-scheduler": ["fengqiao", "scheduler"],
        f"{FULLNAME}-migrate": ["fengqiao", "db", "upgrade"],
    }
    for _, container in containers(objects):
        assert container["image"] == "fengqiao:0.1.0"  # the chart's appVersion


def test_web_listens_on_its_port_with_probes(chart):
    objects = render(chart, merged(MINIMAL, web={"port": 8080, "concurrency": 5, "threads": 4}))
    web = named(objects, "Deployment", f"{FULLNAME}-web")["spec"]["template"]["spec"]
    (container,) = web["containers"]
    assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    env = env_of(container)
    assert env["PORT"]["value"] == "8080" and env["WEB_CONCURRENCY"]["value"] == "5"
    assert env["GUNICORN_THREADS"]["value"] == "4"
    assert env["FORWARDED_ALLOW_IPS"]["value"] == "*"  # only the ingress controller gets in
    assert container["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    service = named(objects, "Service", FULLNAME)
    assert service["spec"]["ports"] == [
        {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]


def test_scheduler_is_always_exactly_one_pod(chart):
    objects = render(chart, merged(SCALED, web={"replicaCount": 5}, worker={"replicaCount": 4}))
    scheduler = named(objects, "Deployment", f"{FULLNAME}-scheduler")
    assert scheduler["spec"]["replicas"] == 1
    assert scheduler["spec"]["strategy"] == {"type": "Recreate"}
    assert not [o for o in objects if o["kind"] in {"HorizontalPodAutoscaler",
                                                    "PodDisruptionBudget"}
                and o["metadata"]["name"].endswith("-scheduler")]
    assert "additional properties 'replicaCount' not allowed" in schema_error(
        chart, merged(MINIMAL, scheduler={"replicaCount": 2}))


def test_every_pod_runs_restricted(chart):
    for values in VALUE_SETS.values():
        objects = render(chart, values)
        for owner, spec in pod_specs(objects):
            pod = spec["securityContext"]
            assert pod["runAsNonRoot"] is True and pod["runAsUser"] == 10001, owner
            assert pod["runAsGroup"] == 10001 and pod["fsGroup"] == 10001, owner
            assert pod["seccompProfile"] == {"type": "RuntimeDefault"}, owner
            assert spec["automountServiceAccountToken"] is False, owner
            tmp = [v for v in spec["volumes"] if v["name"] == "tmp"]
            assert tmp and "emptyDir" in tmp[0], owner
        for owner, container in containers(objects):
            where = f"{owner}/{container['name']}"
            ctx = container.get("securityContext", {})
            assert ctx.get("readOnlyRootFilesystem") is True, where
            assert ctx.get("allowPrivilegeEscalation") is False, where
            assert ctx.get("capabilities") == {"drop": ["ALL"]}, where
            assert {"name": "tmp", "mountPath": "/tmp"} in container.get("volumeMounts", []), where
            resources = container.get("resources", {})
            assert {"cpu", "memory"} <= resources.get("requests", {}).keys(), where
            assert "memory" in resources.get("limits", {}), where


def test_service_account_has_no_token(chart):
    objects = render(chart, MINIMAL)
    account = named(objects, "ServiceAccount", FULLNAME)
    assert account["automountServiceAccountToken"] is False
    for owner, spec in pod_specs(objects):
        if owner.endswith("-migrate"):
            # The chart's account does not exist yet when a pre-install hook runs.
            assert spec["serviceAccountName"] == "default"
        else:
            assert spec["serviceAccountName"] == FULLNAME


def test_config_and_secret_changes_roll_the_pods(chart):
    def checksums(values):
        return {d["metadata"]["name"]: d["spec"]["template"]["metadata"]["annotations"]
                for d in of_kind(render(chart, values), "Deployment")}

    before = checksums(MINIMAL)
    after_config = checksums(merged(MINIMAL, config={"timezone": "Asia/Urumqi"}))
    after_secret = checksums(merged(MINIMAL, redis={"url": "redis://other:6379/0"}))
    assert len(before) == 3
    for name, annotations in before.items():
        assert re.fullmatch(r"[0-9a-f]{64}", annotations["checksum/config"])
        assert after_config[name]["checksum/config"] != annotations["checksum/config"]
        assert after_config[name]["checksum/secret"] == annotations["checksum/secret"]
        assert after_secret[name]["checksum/secret"] != annotations["checksum/secret"]


def test_environment_comes_from_configmap_and_secret(chart):
    objects = render(chart, SCALED)
    config = named(objects, "ConfigMap", FULLNAME)["data"]
    assert config["FENGQIAO_ENV"] == "production"
    assert config["FENGQIAO_TIMEZONE"] == "Asia/Shanghai"
    assert config["FENGQIAO_LOG_FORMAT"] == "json"
    assert config["THROTTLE_ACCOUNT_LIMIT"] == "3"
    # Full invitation links from the CLI: the ingress's host, https as it has TLS.
    assert config["FENGQIAO_BASE_URL"] == "https://fq.county.internal"
    assert "FENGQIAO_BASE_URL" not in named(render(chart, MINIMAL), "ConfigMap", FULLNAME)["data"]
    given = merged(MINIMAL, config={"baseUrl": "https://police.example.invalid/fq"})
    assert named(render(chart, given), "ConfigMap", FULLNAME)["data"][
        "FENGQIAO_BASE_URL"] == "https://police.example.invalid/fq"
    for owner, container in containers(objects):
        if owner.endswith("-migrate"):
            continue
        assert container["envFrom"] == [{"configMapRef": {"name": FULLNAME}}], owner
        refs = {e["name"]: e["valueFrom"]["secretKeyRef"]
                for e in container["env"] if "valueFrom" in e}
        assert refs == {
            "SECRET_KEY": {"name": FULLNAME, "key": "secret-key"},
            "FENGQIAO_AUDIT_KEYS": {"name": FULLNAME, "key": "audit-keys"},
            "DATABASE_URL": {"name": FULLNAME, "key": "database-url"},
            "REDIS_URL": {"name": FULLNAME, "key": "redis-url"},
        }, owner


# --- secrets and the migration hook ----------------------------------------------------------

def test_chart_secret_holds_the_app_credentials_only(chart):
    objects = render(chart, MINIMAL)
    secret = named(objects, "Secret", FULLNAME)
    assert set(secret["data"]) == {"secret-key", "audit-keys", "database-url", "redis-url"}
    assert "helm.sh/hook" not in secret["metadata"].get("annotations", {})
    hook_secret = named(objects, "Secret", f"{FULLNAME}-migrations")
    assert set(hook_secret["data"]) == {"secret-key", "audit-keys", "database-owner-url"}


def test_migration_job_is_a_hook_connected_as_owner(chart):
    objects = render(chart, MINIMAL)
    job = named(objects, "Job", f"{FULLNAME}-migrate")
    annotations = job["metadata"]["annotations"]
    assert set(annotations["helm.sh/hook"].split(",")) == {"pre-install", "pre-upgrade"}
    assert set(annotations["helm.sh/hook-delete-policy"].split(",")) == {
        "before-hook-creation", "hook-succeeded"}
    spec = job["spec"]["template"]["spec"]
    assert spec["restartPolicy"] == "Never"
    env = env_of(spec["containers"][0])
    assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": f"{FULLNAME}-migrations", "key": "database-owner-url"}
    assert env["FENGQIAO_APP_ROLE"]["value"] == "fengqiao_app"
    assert env["FENGQIAO_ENV"]["value"] == "production"
    assert "envFrom" not in spec["containers"][0]  # the ConfigMap is not there yet on install

    # What the Job needs on a first install is created before it: hooks of lower weight.
    weight = int(annotations["helm.sh/hook-weight"])
    for kind in ("Secret", "NetworkPolicy"):
        prerequisite = named(objects, kind, f"{FULLNAME}-migrations" if kind == "Secret"
                             else f"{FULLNAME}-migrate")["metadata"]["annotations"]
        assert prerequisite["helm.sh/hook"] == annotations["helm.sh/hook"]
        assert int(prerequisite["helm.sh/hook-weight"]) < weight
        assert "hook-succeeded" in prerequisite["helm.sh/hook-delete-policy"]


def test_existing_secret_replaces_every_chart_secret(chart):
    objects = render(chart, EXISTING)
    assert of_kind(objects, "Secret") == []
    refs = secret_refs(objects)
    assert len(refs) == 3 * 4 + 3  # web, worker, scheduler: 4 each; the Job: 3
    assert {ref[3] for ref in refs} == {"fengqiao-credentials"}
    job_env = env_of(named(objects, "Job", f"{FULLNAME}-migrate")["spec"]["template"]["spec"]
                     ["containers"][0])
    assert job_env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["key"] == "database-owner-url"
    deployments = of_kind(objects, "Deployment")
    assert all("checksum/secret" not in d["spec"]["template"]["metadata"]["annotations"]
               for d in deployments)
    assert {c["image"] for _, c in containers(objects)} == {
        "registry.county.internal/fengqiao:2024.06.1"}


def test_migrations_can_be_switched_off(chart):
    objects = render(chart, merged(MINIMAL, migrations={"enabled": False}))
    assert of_kind(objects, "Job") == []
    assert [s["metadata"]["name"] for s in of_kind(objects, "Secret")] == [FULLNAME]


# --- the audit log's keys and published heads ------------------------------------------------

APP_CONTAINERS = {f"{FULLNAME}-web", f"{FULLNAME}-worker", f"{FULLNAME}-scheduler",
                  f"{FULLNAME}-migrate"}


@pytest.mark.parametrize("values", VALUE_SETS.values(), ids=VALUE_SETS.keys())
def test_every_app_container_gets_the_audit_keys_from_the_secret(chart, values):
    objects = render(chart, values)
    keyed = {}
    for owner, container in containers(objects):
        ref = env_of(container)["FENGQIAO_AUDIT_KEYS"]["valueFrom"]["secretKeyRef"]
        assert ref["key"] == "audit-keys", owner
        keyed[owner] = ref["name"]
    assert set(keyed) == APP_CONTAINERS
    if values is EXISTING:
        assert set(keyed.values()) == {"fengqiao-credentials"}
        return
    # The migration Job reads its hook Secret (0007 re-signs the log with the first key).
    assert keyed.pop(f"{FULLNAME}-migrate") == f"{FULLNAME}-migrations"
    assert set(keyed.values()) == {FULLNAME}
    for name in (FULLNAME, f"{FULLNAME}-migrations"):
        data = named(objects, "Secret", name)["data"]
        assert base64.b64decode(data["audit-keys"]).decode() == AUDIT_KEYS
    config = named(objects, "ConfigMap", FULLNAME)["data"]
    assert not any(AUDIT_KEYS in str(value) for value in config.values())


def test_audit_keys_are_required_without_existing_secret(chart, tmp_path):
    without = merged(MINIMAL, secret={"auditKeys": ""})
    assert "at '/secret/auditKeys': minLength: got 0, want 1" in schema_error(chart, without)
    del without["secret"]["auditKeys"]
    assert "at '/secret': missing property 'auditKeys'" in schema_error(chart, without)
    # Installed with --skip-schema-validation, the templates refuse as well, by name.
    copy_ = tmp_path / "fengqiao"
    shutil.copytree(CHART, copy_)
    (copy_ / "values.schema.json").unlink()
    with helm.Chart.load(copy_) as unchecked:
        with pytest.raises(helm.HelmRenderError, match=r"secret\.auditKeys is required "
                           r"\(or set existingSecret\): FENGQIAO_AUDIT_KEYS"):
            unchecked.render(without, name=RELEASE, namespace=NAMESPACE, is_install=True)
        with pytest.raises(helm.HelmRenderError, match="existingSecret excludes"):
            unchecked.render(merged(EXISTING, secret={"auditKeys": AUDIT_KEYS}), name=RELEASE,
                             namespace=NAMESPACE, is_install=True)


@pytest.mark.parametrize(
    "keys",
    ["2026a:too-short", f"{'x' * 33}:{'s' * 32}", f"2026a{'s' * 32}", f":{'s' * 32}",
     f"2026a:{'s' * 32},", f"2026b:{'s' * 32},2026a:short", f"2026a:{'s' * 15} ",
     f" :{'s' * 32}", f"2026a:{'s' * 16},,2026b:{'s' * 16}"],
    ids=["short-secret", "long-id", "no-colon", "no-id", "trailing-comma", "short-older-key",
         "short-but-for-a-space", "blank-id", "empty-pair"],
)
def test_malformed_audit_keys_fail_without_printing_them(chart, keys):
    with pytest.raises(ConfigError):  # the app refuses them too
        _audit_keys(keys, development=False, secret="k" * 64)
    with pytest.raises(helm.HelmRenderError) as caught:
        render(chart, merged(MINIMAL, secret={"auditKeys": keys}))
    message = str(caught.value)
    assert "secret.auditKeys must be `<id>:<secret>` pairs" in message
    assert keys.strip() not in message


@pytest.mark.parametrize(
    "keys",
    [f"k:{'s' * 16}", f"{'i' * 32}:{'s' * 16}", f" 2026b:{'b' * 20} , 2026a:a:{'a' * 20}",
     f"2026a:{'s' * 64}\n", f"id with spaces:{'s' * 14} !"],
    ids=["shortest", "longest-id", "spaces-and-colon-in-secret", "trailing-newline",
         "inner-spaces"],
)
def test_audit_keys_the_app_accepts_render(chart, keys):
    assert _audit_keys(keys, development=False, secret="k" * 64)
    render(chart, merged(MINIMAL, secret={"auditKeys": keys}))


HEADS_DIR = "/var/lib/fengqiao/audit-heads"


def test_audit_heads_go_to_the_pod_by_default(chart):
    manifests = chart.render(MINIMAL, name=RELEASE, namespace=NAMESPACE, is_install=True)
    objects = render(chart, MINIMAL)
    for owner, spec in pod_specs(objects):
        assert [v["name"] for v in spec["volumes"]] == ["tmp"], owner
    for owner, container in containers(objects):
        assert "FENGQIAO_AUDIT_HEADS_DIR" not in env_of(container), owner
    notes = next(text for path, text in manifests.items() if path.endswith("NOTES.txt"))
    assert "auditHeads.existingClaim is empty" in notes


def test_audit_heads_claim_is_mounted_in_the_workers(chart):
    values = merged(SCALED, auditHeads={"existingClaim": "fq-audit-heads"})
    manifests = chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    objects = render(chart, values)
    worker = named(objects, "Deployment", f"{FULLNAME}-worker")["spec"]["template"]["spec"]
    assert {"name": "audit-heads", "persistentVolumeClaim": {"claimName": "fq-audit-heads"}} \
        in worker["volumes"]
    (container,) = worker["containers"]
    assert {"name": "audit-heads", "mountPath": HEADS_DIR} in container["volumeMounts"]
    assert env_of(container)["FENGQIAO_AUDIT_HEADS_DIR"] == {
        "name": "FENGQIAO_AUDIT_HEADS_DIR", "value": HEADS_DIR}
    # Only the workers run the publishing job: nobody else mounts the claim (it may be
    # ReadWriteOnce) or points at a folder they do not have.
    for owner, spec in pod_specs(objects):
        if owner != f"{FULLNAME}-worker":
            assert [v["name"] for v in spec["volumes"]] == ["tmp"], owner
    for owner, container in containers(objects):
        if owner != f"{FULLNAME}-worker":
            assert "FENGQIAO_AUDIT_HEADS_DIR" not in env_of(container), owner
    for obj in objects:
        for version in KUBE_VERSIONS:
            kubernetes_validate.validate(obj, version, strict=True)
    notes = next(text for path, text in manifests.items() if path.endswith("NOTES.txt"))
    assert '"fq-audit-heads"' in notes and HEADS_DIR in notes


# --- scaling, disruption budgets, ingress ----------------------------------------------------

def test_autoscaling_is_off_by_default(chart):
    objects = render(chart, MINIMAL)
    assert of_kind(objects, "HorizontalPodAutoscaler") == []
    replicas = {d["metadata"]["name"]: d["spec"]["replicas"]
                for d in of_kind(objects, "Deployment")}
    assert replicas == {f"{FULLNAME}-web": 2, f"{FULLNAME}-worker": 1,
                        f"{FULLNAME}-scheduler": 1}


def test_autoscaling_on_adds_hpas_and_leaves_replicas_to_them(chart):
    objects = render(chart, SCALED)
    hpas = {h["metadata"]["name"]: h["spec"] for h in of_kind(objects, "HorizontalPodAutoscaler")}
    assert set(hpas) == {f"{FULLNAME}-web", f"{FULLNAME}-worker"}
    web = hpas[f"{FULLNAME}-web"]
    assert web["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                     "name": f"{FULLNAME}-web"}
    assert (web["minReplicas"], web["maxReplicas"]) == (3, 10)
    assert {m["resource"]["name"] for m in web["metrics"]} == {"cpu", "memory"}
    assert {m["resource"]["name"] for m in hpas[f"{FULLNAME}-worker"]["metrics"]} == {"cpu"}
    for deployment in of_kind(objects, "Deployment"):
        if not deployment["metadata"]["name"].endswith("-scheduler"):
            assert "replicas" not in deployment["spec"]


def test_disruption_budgets_only_over_several_pods(chart):
    budgets = {p["metadata"]["name"]: p["spec"]["minAvailable"]
               for p in of_kind(render(chart, MINIMAL), "PodDisruptionBudget")}
    assert budgets == {f"{FULLNAME}-web": 1}  # the lone default worker has none
    budgets = {p["metadata"]["name"] for p in of_kind(render(chart, SCALED),
                                                      "PodDisruptionBudget")}
    assert budgets == {f"{FULLNAME}-web", f"{FULLNAME}-worker"}
    off = merged(MINIMAL, web={"podDisruptionBudget": {"enabled": False}})
    assert of_kind(render(chart, off), "PodDisruptionBudget") == []
    with pytest.raises(helm.HelmError, match="minAvailable .* must be below"):
        render(chart, merged(MINIMAL, web={"podDisruptionBudget": {"minAvailable": 2}}))


def test_ingress(chart):
    assert of_kind(render(chart, MINIMAL), "Ingress") == []
    ingress = named(render(chart, SCALED), "Ingress", FULLNAME)["spec"]
    assert ingress["ingressClassName"] == "nginx"
    assert ingress["tls"] == [{"secretName": "fq-tls", "hosts": ["fq.county.internal"]}]
    (rule,) = ingress["rules"]
    assert rule["host"] == "fq.county.internal"
    assert rule["http"]["paths"][0]["backend"] == {
        "service": {"name": FULLNAME, "port": {"name": "http"}}}


# --- network policies ------------------------------------------------------------------------

def egress_ports(policy):
    return {p["port"] for rule in policy["spec"]["egress"] for p in rule["ports"]}


def test_network_policies(chart):
    objects = render(chart, MINIMAL)
    web = named(objects, "NetworkPolicy", f"{FULLNAME}-web")["spec"]
    (rule,) = web["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 8000}]
    assert rule["from"] == [{"namespaceSelector": {"matchLabels": {
        "kubernetes.io/metadata.name": "ingress-nginx"}}}]
    assert egress_ports(named(objects, "NetworkPolicy", f"{FULLNAME}-web")) == {53, 5432, 6379}
    for component in ("worker", "scheduler", "migrate"):
        policy = named(objects, "NetworkPolicy", f"{FULLNAME}-{component}")
        assert "Ingress" in policy["spec"]["policyTypes"]
        assert policy["spec"]["ingress"] == []  # nothing may connect to them
    migrate = named(objects, "NetworkPolicy", f"{FULLNAME}-migrate")
    assert egress_ports(migrate) == {53, 5432}


def test_network_policy_cidrs(chart):
    objects = render(chart, EXISTING)
    egress = named(objects, "NetworkPolicy", f"{FULLNAME}-worker")["spec"]["egress"]
    by_port = {rule["ports"][0]["port"]: rule.get("to") for rule in egress}
    assert by_port[5432] == [{"ipBlock": {"cidr": "10.20.0.0/24"}}]
    assert by_port[6379] == [{"ipBlock": {"cidr": "10.20.1.10/32"}}]
    off = render(chart, merged(MINIMAL, networkPolicy={"enabled": False}))
    assert of_kind(off, "NetworkPolicy") == []


# --- values schema: mistakes fail with a message that names them -----------------------------

def test_defaults_alone_name_every_missing_credential(chart):
    message = schema_error(chart, {})
    assert "at '/secret': missing properties 'secretKey', 'auditKeys'" in message
    assert "at '/database': missing properties 'url', 'ownerUrl'" in message
    assert "at '/redis': missing property 'url'" in message


def test_a_typo_fails(chart):
    message = schema_error(chart, merged(MINIMAL, web={"replicaCont": 3}))
    assert "at '/web': additional properties 'replicaCont' not allowed" in message
    message = schema_error(chart, merged(MINIMAL, ingres={"enabled": True}))
    assert "additional properties 'ingres' not allowed" in message
    with pytest.raises(helm.HelmValuesError):  # rendering (install) validates too
        chart.render(merged(MINIMAL, netwrokPolicy={}), name=RELEASE)


def test_existing_secret_and_values_exclude_each_other(chart):
    message = schema_error(chart, {**MINIMAL, "existingSecret": "fengqiao-credentials"})
    assert "at '/secret/secretKey': value must be ''" in message
    assert "at '/secret/auditKeys': value must be ''" in message
    assert "at '/database/ownerUrl': value must be ''" in message
    chart.validate_schema(EXISTING)  # and existingSecret alone is enough


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (merged(MINIMAL, database={"url": "mysql://x@db/f"}), "at '/database/url'"),
        (merged(MINIMAL, database={"appRole": "App-Role"}), "at '/database/appRole'"),
        (merged(MINIMAL, containerSecurityContext={"readOnlyRootFilesystem": False}),
         "at '/containerSecurityContext/readOnlyRootFilesystem'"),
        (merged(MINIMAL, podSecurityContext={"runAsNonRoot": False}),
         "at '/podSecurityContext/runAsNonRoot'"),
        # null removes a default (as with `--set worker.resources.requests.memory=null`)
        (merged(MINIMAL, worker={"resources": {"requests": {"memory": None}}}),
         "at '/worker/resources/requests': missing property 'memory'"),
        (merged(MINIMAL, config={"extraEnv": {"SECRET_KEY": "x"}}),
         "invalid propertyName 'SECRET_KEY'"),
        (merged(MINIMAL, config={"extraEnv": {"FENGQIAO_AUDIT_KEYS": "x"}}),
         "invalid propertyName 'FENGQIAO_AUDIT_KEYS'"),
        (merged(MINIMAL, auditHeads={"existingClaim": "Audit Heads"}),
         "at '/auditHeads/existingClaim'"),
        (merged(MINIMAL, auditHeads={"claim": "audit-heads"}),
         "at '/auditHeads': additional properties 'claim' not allowed"),
        (merged(MINIMAL, web={"autoscaling": {"enabled": "yes"}}),
         "at '/web/autoscaling/enabled'"),
        (merged(MINIMAL, config={"baseUrl": "fq.county.internal"}), "at '/config/baseUrl'"),
    ],
    ids=["database-url", "app-role", "writable-root", "root", "no-memory-request",
         "reserved-env", "reserved-audit-env", "claim-name", "claim-typo", "string-for-bool",
         "base-url-without-scheme"],
)
def test_bad_values_fail(chart, values, expected):
    assert expected in schema_error(chart, values)


# --- the image the chart runs ----------------------------------------------------------------

def test_image_user_matches_the_pods():
    dockerfile = (ROOT / "Dockerfile").read_text()
    final_stage = dockerfile.split("\nFROM ")[-1]
    assert final_stage.startswith("python:3.11-slim")
    assert re.search(r"^USER 10001(:10001)?$", final_stage, re.M)
    assert re.search(r"^EXPOSE 8000$", final_stage, re.M)
    assert not re.search(r"apt-get install[^\n]*\b(gcc|build-essential)\b", final_stage)
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    assert values["podSecurityContext"]["runAsUser"] == 10001
    assert values["web"]["port"] == 8000
