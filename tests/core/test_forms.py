"""Form fields as a person types into them, with messages in their language."""

import pytest
from flask_babel import force_locale

from app.forms import Form, Rows, Text, fields, length, load, one_of, validate


class Catalogue(Form):
    services = Rows([
        ("name", Text(required=True, validate=length(20), metadata={"label": "服务"})),
        ("mode", Text(required=True, validate=one_of(["window", "home"]),
                      metadata={"label": "方式"})),
        ("places", fields.Integer(load_default=1, validate=validate.Range(1, 9))),
    ], load_default=list)


@pytest.fixture
def zh(app):
    with app.test_request_context(), force_locale("zh"):
        yield


def test_rows_are_typed_one_per_line(zh):
    text = "身份证申领 | window | 3\n\n  出生登记｜home  \n"
    data, errors = load(Catalogue(), {"services": text})
    assert errors == {}
    assert data["services"] == [
        {"name": "身份证申领", "mode": "window", "places": 3},
        {"name": "出生登记", "mode": "home", "places": 1},  # full-width bar; default places
    ]
    # Shown back in the text area as typed, trailing defaults included.
    assert Catalogue().fields["services"].as_text(data["services"]) == \
        "身份证申领 | window | 3\n出生登记 | home | 1"
    # From JSON or YAML the rows come as objects.
    data, errors = load(Catalogue(), {"services": [{"name": "户籍证明", "mode": "window"}]})
    assert data["services"] == [{"name": "户籍证明", "mode": "window", "places": 1}]
    # ... and may not hold what would not read back as the same line in the form.
    data, errors = load(Catalogue(), {"services": [{"name": "户籍|证明", "mode": "window"}]})
    assert data is None and "第 1 行" in errors["services"]


@pytest.mark.parametrize("text, message", [
    ("身份证申领 | window\n出生登记 | by-post", "第 2 行，方式："),
    ("身份证申领 | window | 3 | extra", "第 1 行：列太多"),
    ("身份证申领", "第 1 行，方式：此项为必填项。"),
    ("身份证申领 | window | ten", "第 1 行，places：请输入整数。"),
    ("身份证申领 | window\n身份证申领 | home", "每一项只能出现一次。"),
])
def test_a_wrong_line_is_named_in_chinese(zh, text, message):
    data, errors = load(Catalogue(), {"services": text})
    assert data is None
    assert message in errors["services"], errors
