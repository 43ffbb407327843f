"""Masks of personal data read as masks: the start kept, the rest hidden, nothing dangling."""

import pytest

from app.pii import mask


@pytest.mark.parametrize(("kind", "value", "masked"), [
    ("name", "张三", "张*"),
    ("name", "王建国", "王*国"),
    ("name", "欧阳秀英", "欧**英"),
    ("name", "王建国(户主)", "王******"),
    ("name", "王大伯（百户长）", "王*******"),
    ("name", "Zhang San", "Z*******n"),
    ("name", "李.", "李*"),
    ("phone", "13812345678", "138****5678"),
    ("id_number", "61072519700101123X", "6107**********123X"),
    ("address", "三组12号", "三组***"),
])
def test_masks(kind, value, masked):
    assert mask(kind, value) == masked


def test_nothing_to_mask():
    assert mask("name", None) is None and mask("phone", "") == ""
