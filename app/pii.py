"""Masking of personal data (names, phones, ID numbers, addresses), shown masked by default.

PIPL treats these as sensitive; the UI, exports and the audit log show the masked form,
and revealing the full value is an audited action.
"""


def mask_name(value: str) -> str:
    # 张三 -> 张*, 王建国 -> 王*国, Zhang San -> Z*******n; 王建国(户主) -> 王*******: the
    # last character is kept only when it is part of a name, not a bracket or a dot.
    if len(value) <= 1:
        return "*"
    if len(value) == 2 or not value[-1].isalnum():
        return value[0] + "*" * (len(value) - 1)
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_phone(value: str) -> str:
    # 13812345678 -> 138****5678
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_id_number(value: str) -> str:
    # 18-digit 身份证号: keep the region's first 4 and the last 4 digits.
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_address(value: str) -> str:
    keep = min(6, len(value) // 2)
    return value[:keep] + "*" * (len(value) - keep)


MASKS = {
    "name": mask_name,
    "phone": mask_phone,
    "id_number": mask_id_number,
    "address": mask_address,
}


def mask(kind: str, value):
    """Mask ``value`` as personal data of ``kind`` (one of :data:`MASKS`)."""
    if value is None or value == "":
        return value
    return MASKS[kind](str(value))
