"""The evidence table's Chinese names and values (report/evidence_labels.py), hand-checked."""

from __future__ import annotations

from govwatch.report.evidence_labels import evidence_label, evidence_rows


def test_known_keys_read_in_chinese_and_unknown_keys_stay() -> None:
    assert evidence_label("attempts") == "尝试次数"
    assert evidence_label("some_new_field") == "some_new_field"


def test_values_read_as_a_reader_sees_them() -> None:
    rows = dict(evidence_rows({"confirmed": False, "soft_404": True, "classification": "suspected",
                               "status": None, "sources": ["http://a/", "http://b/"], "attempts": 3,
                               "odd_code": "suspected"}))
    assert rows == {"已确认": "否", "软404（正常状态码的错误页）": "是", "判定": "疑似失效", "状态": "—",
                    "含此链接的页面": "http://a/、http://b/", "尝试次数": "3", "odd_code": "suspected"}
    assert evidence_rows(None) == []
