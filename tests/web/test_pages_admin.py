"""The 管理 pages: sites (add, edit, import with a dry run, export), orgs, filings, users and
channels, over the hand-checked province of tests/web/conftest.py; scoping (a manager stays in
their subtree: 404 outside it, never an admin created), roles (viewer and operator: 403), CSRF,
and crawled or uploaded text printed escaped."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from govwatch.core.serviceconfig import ChannelConfig, ServiceConfig, SmtpConfig
from govwatch.registry import list_filings, registered_sites
from govwatch.store import web_rows
from govwatch.store.registry_rows import org_with_code, site_id_of
from govwatch.web.auth import verify_password
from tests.registry.registry_helpers import HEADERS
from tests.web.conftest import CITY_SITES, CSRF_INPUT, SITE_A, SITE_B, Portfolio, log_in, session_csrf

ADMIN_PAGES = ["/admin", "/admin/sites", "/admin/sites/new", "/admin/sites/import", "/admin/sites/export",
               "/admin/orgs", "/admin/filings", "/admin/users", "/admin/channels"]
ADMIN_POSTS = ["/admin/sites/new", "/admin/sites/import/confirm", "/admin/orgs", "/admin/filings", "/admin/users"]


def _csrf(page_text: str) -> str:
    found = CSRF_INPUT.search(page_text)
    assert found, "the page has no form with the CSRF token"
    return found.group(1)


def _site(**cells: str) -> dict[str, str]:
    """A site form: the required fields and what is given."""
    return {"name": "宁川市测试网站", "url": "http://test.nc.gov.cn/", "role": "部门", "level": "", "org_code": "450100",
            "status": "正常", "has_services": "是", **cells}


def _csv(rows: list[list[str]]) -> bytes:
    lines = [",".join(HEADERS), *(",".join(r + [""] * (len(HEADERS) - len(r))) for r in rows)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _upload(client: TestClient, data: bytes, name: str = "sites.csv") -> tuple[int, str]:
    csrf = _csrf(client.get("/admin/sites/import").text)
    response = client.post("/admin/sites/import", data={"csrf_token": csrf}, files={"file": (name, data, "text/csv")})
    return response.status_code, response.text


def _confirm(client: TestClient, preview: str) -> tuple[int, str]:
    token = re.search(r'name="token" value="([^"]+)"', preview)
    assert token, "no confirmation form on the preview"
    response = client.post("/admin/sites/import/confirm",
                           data={"csrf_token": _csrf(preview), "token": token.group(1), "filename": "sites.csv"})
    return response.status_code, response.text


# -- sites ------------------------------------------------------------------------------------------------

def test_the_admin_adds_a_site_and_the_api_lists_it(signed_in: Callable[[str], TestClient], portfolio: Portfolio) -> None:
    admin = signed_in("admin")
    form = admin.get("/admin/sites/new")
    assert form.status_code == 200 and "登记网站" in form.text
    response = admin.post("/admin/sites/new", data={"csrf_token": _csrf(form.text), **_site(
        site_code="4501000199", url="test.nc.gov.cn")}, follow_redirects=False)
    assert response.status_code == 303, response.text
    sites = {s["url"]: s for s in admin.get("/api/v1/sites").json()["sites"]}
    added = sites["http://test.nc.gov.cn/"]  # the importer's normal form of the URL
    assert added["name"] == "宁川市测试网站" and added["site_code"] == "4501000199" and added["org"]["code"] == "450100"
    listing = admin.get("/admin/sites", params={"q": "测试网站"}).text
    assert "http://test.nc.gov.cn/" in listing and "共 1 个已登记网站" in listing


def test_a_bad_field_is_refused_by_the_registrys_validation_in_chinese(signed_in: Callable[[str], TestClient],
                                                                      portfolio: Portfolio) -> None:
    admin = signed_in("admin")
    csrf = _csrf(admin.get("/admin/sites/new").text)
    response = admin.post("/admin/sites/new", data={"csrf_token": csrf, **_site(site_code="12345", icp="ICP12")})
    assert response.status_code == 400
    assert "“12345”不是有效的网站标识码" in response.text and "“ICP12”不是有效的ICP备案号" in response.text
    assert site_id_of(portfolio.store, "http://test.nc.gov.cn/") is None  # nothing written
    again = admin.post("/admin/sites/new", data={"csrf_token": csrf, **_site(url=SITE_B)})
    assert again.status_code == 400 and "已登记" in again.text


def test_the_admin_edits_a_site(signed_in: Callable[[str], TestClient], portfolio: Portfolio) -> None:
    admin = signed_in("admin")
    form = admin.get(f"/admin/sites/{portfolio.site_a}/edit")
    assert form.status_code == 200 and 'value="青山县人民政府"' in form.text and "4501210001" in form.text
    values = dict(re.findall(r'name="(\w+)" type="text" value="([^"]*)"', form.text))
    values.update(name="青山县人民政府门户网站", contact="0771-7654321")
    response = admin.post(f"/admin/sites/{portfolio.site_a}/edit",
                          data={"csrf_token": _csrf(form.text), **values, "role": "本级门户", "level": "县级",
                                "org_code": "450121", "status": "正常", "has_services": "是"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    site = next(s for s in registered_sites(portfolio.store) if s.id == portfolio.site_a)
    assert (site.name, site.contact, site.url, site.site_code) == ("青山县人民政府门户网站", "0771-7654321", SITE_A,
                                                                   "4501210001")


def test_the_admin_imports_a_csv_after_a_dry_run(signed_in: Callable[[str], TestClient], portfolio: Portfolio) -> None:
    admin = signed_in("admin")
    data = _csv([["新区政府", "http://www.xq.gov.cn/", "", "", "", "", "本级门户", "县级", "450123", "新区", "450100"],
                 ["新区教育局", "http://jyj.xq.gov.cn/", "", "", "", "", "部门", "县级", "450123", "新区", "450100"]])
    status, preview = _upload(admin, data)
    assert status == 200 and "将新登记网站：2 个" in preview and "将新建机构：1 个" in preview
    assert site_id_of(portfolio.store, "http://www.xq.gov.cn/") is None  # a dry run writes nothing
    status, done = _confirm(admin, preview)
    assert status == 200 and "已导入" in done and "新登记网站：2 个" in done
    urls = {s["url"] for s in admin.get("/api/v1/sites").json()["sites"]}
    assert {"http://www.xq.gov.cn/", "http://jyj.xq.gov.cn/"} <= urls
    county = org_with_code(portfolio.store, "450123")
    city = org_with_code(portfolio.store, "450100")
    assert county is not None and city is not None and county.parent_id == city.id and county.name == "新区"
    again = _confirm(admin, preview)  # the confirmation is used up
    assert again[0] == 400 and "已失效" in again[1]


def test_a_bad_row_is_shown_in_chinese_and_nothing_is_imported(signed_in: Callable[[str], TestClient],
                                                              portfolio: Portfolio) -> None:
    admin = signed_in("admin")
    data = _csv([["好网站", "http://good.nc.gov.cn/", "", "", "", "", "部门", "", "450100"],
                 ["坏网站", "not a url", "", "4501000001x", "", "", "部门", "", "450100"]])
    status, page = _upload(admin, data)
    assert status == 200
    assert "第3行，首页网址：“not a url”不是可用的 http(s) 首页网址" in page
    assert "第3行，网站标识码：“4501000001x”不是有效的网站标识码" in page
    assert 'name="token"' not in page  # no confirmation for a file with problems
    assert site_id_of(portfolio.store, "http://good.nc.gov.cn/") is None


def test_an_unreadable_upload_is_explained_in_chinese(signed_in: Callable[[str], TestClient],
                                                     portfolio: Portfolio) -> None:
    admin = signed_in("admin")
    status, page = _upload(admin, "名称,地址\n甲,乙\n".encode(), "x.csv")
    assert status == 200 and "缺少必填列：网站名称、首页网址" in page and "/tmp" not in page
    status, page = _upload(admin, b"PK\x03\x04 broken", "x.xls")
    assert status == 400 and "只能导入 .xlsx 工作簿或 .csv 文件" in page


def test_uploaded_attacker_text_is_escaped(signed_in: Callable[[str], TestClient], portfolio: Portfolio) -> None:
    admin = signed_in("admin")
    evil = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    data = _csv([[evil.replace(",", ""), "http://evil.nc.gov.cn/", "", "", "", "", "部门", "", "450100"],
                 ["坏", "javascript:alert(3)<b>", "", "", "", "", "部门", "", "450100"]])
    status, page = _upload(admin, data)
    assert status == 200
    assert "<script>alert(1)" not in page and "<img src=x" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in page
    assert "“javascript:alert(3)&lt;b&gt;”不是可用的 http(s) 首页网址" in page


def test_export_is_the_registry_file_of_the_scope(signed_in: Callable[[str], TestClient], portfolio: Portfolio) -> None:
    response = signed_in("city").get("/admin/sites/export")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert {r[1] for r in rows[1:]} == CITY_SITES


# -- scope and roles ----------------------------------------------------------------------------------------

def test_a_manager_is_confined_to_their_subtree(signed_in: Callable[[str], TestClient], portfolio: Portfolio) -> None:
    city = signed_in("city")
    listing = city.get("/admin/sites").text
    assert "共 7 个已登记网站" in listing and "东江市" not in listing
    assert city.get(f"/admin/sites/{portfolio.site_b}/edit").status_code == 404  # outside: as if absent
    assert city.get("/admin/sites/99999/edit").status_code == 404
    csrf = _csrf(city.get("/admin/sites/new").text)
    assert city.post(f"/admin/sites/{portfolio.site_b}/edit", data={"csrf_token": csrf, **_site()}).status_code == 404
    assert city.post("/admin/sites/new", data={"csrf_token": csrf, **_site(org_code="450200")}).status_code == 404
    hijack = city.post("/admin/sites/new", data={"csrf_token": csrf, **_site(url=SITE_B)})
    assert hijack.status_code == 400 and "不在您的管辖范围内" in hijack.text
    assert next(s for s in registered_sites(portfolio.store) if s.id == portfolio.site_b).org_code == "450200"
    ok = city.post("/admin/sites/new", data={"csrf_token": csrf, **_site(org_code="450121")}, follow_redirects=False)
    assert ok.status_code == 303
    assert "http://test.nc.gov.cn/" in {s["url"] for s in city.get("/api/v1/sites").json()["sites"]}


def test_a_managers_import_cannot_reach_outside_the_subtree(signed_in: Callable[[str], TestClient],
                                                           portfolio: Portfolio) -> None:
    city = signed_in("city")
    data = _csv([["东江市新名字", SITE_B, "", "", "", "", "本级门户", "", "450200"],
                 ["省里的网站", "http://new.nx.gov.cn/", "", "", "", "", "部门", "", "450000"],
                 ["无机构", "http://none.nc.gov.cn/", "", "", "", "", "部门"]])
    status, page = _upload(city, data)
    assert status == 200 and 'name="token"' not in page
    assert "第2行，首页网址：http://www.dj.gov.cn/ 不在您的管辖范围内" in page
    assert "第3行，所属机构代码：机构 450000 不在您的管辖范围内" in page
    assert "第4行，所属机构代码：管理人员登记的网站必须填写本人管辖范围内的所属机构代码" in page
    assert next(s for s in registered_sites(portfolio.store) if s.id == portfolio.site_b).name == "东江市人民政府"


@pytest.mark.parametrize("name", ["county", "ops"])
def test_viewers_and_operators_get_403_on_every_admin_page(signed_in: Callable[[str], TestClient],
                                                          portfolio: Portfolio, name: str) -> None:
    reader = signed_in(name)
    for path in ADMIN_PAGES + [f"/admin/sites/{portfolio.site_a}/edit"]:
        assert reader.get(path).status_code == 403, path
    csrf = session_csrf(reader)  # a valid token: the refusal is the role's, not the CSRF check's
    for path in ADMIN_POSTS:
        response = reader.post(path, data={"csrf_token": csrf})
        assert response.status_code == 403 and "管理功能只对系统管理员和管理人员开放" in response.text, path
    assert 'href="/admin"' not in reader.get("/admin/sites").text


def test_a_post_without_the_csrf_token_is_refused(signed_in: Callable[[str], TestClient], portfolio: Portfolio) -> None:
    admin = signed_in("admin")
    for path in ADMIN_POSTS:
        response = admin.post(path, data=_site())
        assert response.status_code == 403 and "CSRF" in response.text, path
    upload = admin.post("/admin/sites/import", files={"file": ("s.csv", _csv([["甲", "http://a.nc.gov.cn/"]]))})
    assert upload.status_code == 403
    assert site_id_of(portfolio.store, "http://test.nc.gov.cn/") is None


def test_unauthenticated_admin_pages_redirect_to_login(client: TestClient, portfolio: Portfolio) -> None:
    response = client.get("/admin/sites", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


# -- orgs, filings ------------------------------------------------------------------------------------------

def test_orgs_tree_and_a_child_org_within_scope(signed_in: Callable[[str], TestClient], portfolio: Portfolio) -> None:
    city = signed_in("city")
    page = city.get("/admin/orgs").text
    assert "青山县" in page and "东江市" not in page and "（顶级机构）" not in page
    csrf = _csrf(page)
    added = city.post("/admin/orgs", data={"csrf_token": csrf, "parent_code": "450121", "code": "450121-wjw",
                                           "name": "青山县卫生健康局", "level": "county"}, follow_redirects=False)
    assert added.status_code == 303
    org, parent = org_with_code(portfolio.store, "450121-wjw"), org_with_code(portfolio.store, "450121")
    assert org is not None and parent is not None and org.parent_id == parent.id and org.level == "county"
    outside = city.post("/admin/orgs", data={"csrf_token": csrf, "parent_code": "450200", "code": "450200-x",
                                             "name": "东江市某局", "level": "city"})
    assert outside.status_code == 404 and org_with_code(portfolio.store, "450200-x") is None
    top = city.post("/admin/orgs", data={"csrf_token": csrf, "parent_code": "", "code": "990000", "name": "别省"})
    assert top.status_code == 400 and org_with_code(portfolio.store, "990000") is None
    duplicate = city.post("/admin/orgs", data={"csrf_token": csrf, "parent_code": "450121", "code": "450121",
                                               "name": "重复"})
    assert duplicate.status_code == 400 and "机构代码 450121 已存在" in duplicate.text


def test_filings_are_added_within_scope(signed_in: Callable[[str], TestClient], portfolio: Portfolio) -> None:
    city = signed_in("city")
    csrf = _csrf(city.get("/admin/filings").text)
    added = city.post("/admin/filings", data={"csrf_token": csrf, "site_url": SITE_A, "starts": "2026-12-01",
                                              "ends": "2026-12-10", "reason": "改版<b>升级</b>",
                                              "kinds": "stale_column, broken_link"}, follow_redirects=False)
    assert added.status_code == 303
    filings = list_filings(portfolio.store)
    assert [(f["site_url"], f["starts"], f["ends"], f["kinds"]) for f in filings] == [
        (SITE_A, "2026-12-01", "2026-12-10", ["stale_column", "broken_link"])]
    page = city.get("/admin/filings").text
    assert "改版&lt;b&gt;升级&lt;/b&gt;" in page and "stale_column、broken_link" in page
    outside = city.post("/admin/filings", data={"csrf_token": csrf, "site_url": SITE_B, "starts": "2026-12-01",
                                                "ends": "2026-12-10", "reason": "改版"})
    assert outside.status_code == 400 and f"系统中没有首页为 {SITE_B} 的网站" in outside.text  # as if absent
    backwards = city.post("/admin/filings", data={"csrf_token": csrf, "site_url": SITE_A, "starts": "2026-12-10",
                                                  "ends": "2026-12-01", "reason": "改版"})
    assert backwards.status_code == 400 and "结束日期 2026-12-01 早于开始日期 2026-12-10" in backwards.text
    assert len(list_filings(portfolio.store)) == 1
    assert date.fromisoformat(filings[0]["starts"]) == date(2026, 12, 1)


# -- users, channels ----------------------------------------------------------------------------------------

def test_the_admin_creates_and_disables_a_user(signed_in: Callable[[str], TestClient], portfolio: Portfolio,
                                               app: object) -> None:
    admin = signed_in("admin")
    csrf = _csrf(admin.get("/admin/users").text)
    created = admin.post("/admin/users", data={"csrf_token": csrf, "name": "赵六", "role": "operator",
                                               "site_urls": f"{SITE_A}\n", "password": "赵六的密码123",
                                               "password2": "赵六的密码123"}, follow_redirects=False)
    assert created.status_code == 303
    found = web_rows.user_by_name(portfolio.store, "赵六")
    assert found is not None and found[0]["role"] == "operator" and found[1].startswith("$argon2")
    assert verify_password(found[1], "赵六的密码123")
    assert web_rows.user_site_ids(portfolio.store, int(found[0]["id"])) == {portfolio.site_a}
    new_client = TestClient(app)  # type: ignore[arg-type]
    log_in(new_client, "赵六", "赵六的密码123")
    assert new_client.get("/api/v1/sites").status_code == 200
    disabled = admin.post(f"/admin/users/{found[0]['id']}/disable", data={"csrf_token": csrf, "action": "disable"},
                          follow_redirects=False)
    assert disabled.status_code == 303
    assert new_client.get("/api/v1/sites").status_code == 401  # the session stopped working at once
    mismatch = admin.post("/admin/users", data={"csrf_token": csrf, "name": "钱七", "role": "viewer",
                                                "org_code": "450121", "password": "12345678", "password2": "87654321"})
    assert mismatch.status_code == 400 and "两次输入的密码不一致" in mismatch.text
    assert web_rows.user_by_name(portfolio.store, "钱七") is None


def test_a_manager_cannot_create_an_admin_or_reach_outside(signed_in: Callable[[str], TestClient],
                                                          portfolio: Portfolio) -> None:
    city = signed_in("city")
    page = city.get("/admin/users").text
    assert "county" in page and "ops" in page and ">admin<" not in page  # the users of the subtree only
    assert 'value="admin"' not in page
    csrf = _csrf(page)
    admin_try = city.post("/admin/users", data={"csrf_token": csrf, "name": "eve", "role": "admin",
                                                "password": "12345678", "password2": "12345678"})
    assert admin_try.status_code == 403 and web_rows.user_by_name(portfolio.store, "eve") is None
    outside = city.post("/admin/users", data={"csrf_token": csrf, "name": "eve", "role": "manager",
                                              "org_code": "450200", "password": "12345678", "password2": "12345678"})
    assert outside.status_code == 400 and web_rows.user_by_name(portfolio.store, "eve") is None
    ok = city.post("/admin/users", data={"csrf_token": csrf, "name": "eve", "role": "viewer", "org_code": "450121",
                                         "password": "12345678", "password2": "12345678"}, follow_redirects=False)
    assert ok.status_code == 303
    admin_row = web_rows.user_by_name(portfolio.store, "admin")
    assert admin_row is not None
    disable_admin = city.post(f"/admin/users/{admin_row[0]['id']}/disable", data={"csrf_token": csrf})
    assert disable_admin.status_code == 404 and not web_rows.user_by_name(portfolio.store, "admin")[0]["disabled"]  # type: ignore[index]
    assert city.get("/admin/channels").status_code == 403  # service-wide: admins only


def test_channels_are_shown_masked_or_not_configured(signed_in: Callable[[str], TestClient], portfolio: Portfolio,
                                                    app: object, tmp_path: Path) -> None:
    admin = signed_in("admin")
    assert "未配置" in admin.get("/admin/channels").text
    app.state.service_config = ServiceConfig(channels=(  # type: ignore[attr-defined]
        ChannelConfig("值班群", "dingtalk", url="https://oapi.dingtalk.com/robot/send?access_token=SECRETTOKEN",
                      secret="SECSIGN", mobiles=("13800000000",)),
        ChannelConfig("邮件", "email", smtp=SmtpConfig("smtp.example.org", 465, "ssl", "gw", "MAILPASS",
                                                      to=("a@example.org",))),
    ))
    page = admin.get("/admin/channels").text
    assert "值班群" in page and "https://oapi.dingtalk.com/***" in page and "smtp.example.org:465" in page
    for secret in ("SECRETTOKEN", "SECSIGN", "MAILPASS", "13800000000"):
        assert secret not in page
