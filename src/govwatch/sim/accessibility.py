"""Planted accessibility defects (信息无障碍 / 适老化, issue 23) and their negatives, per template.

Accessibility defects of real government sites sit in the CMS templates, so they are planted per
family and template: every page a template renders (the homepage, every list page of
``SiteGenerator.render_list``, every article of ``SiteGenerator.render_item``) shows them. What a
family's templates hold (:data:`PLANTS`, :data:`NEGATIVES`; axe-core rule → requirement as in
``govwatch/data/accessibility.yaml``):

- trs: the homepage has a low-contrast notice (#c0c0c0 on white, 1.8:1: ``contrast``) beside a
  sufficient-contrast one (#595959, 7:1); articles have a share icon without ``alt``
  (``text_alternatives``) beside a decorative divider with ``alt=""``; a 无障碍 button on the homepage.
- jcms: list pages have a page-jump box without a label (``form_labels``); articles have a labelled
  one; a 长者模式 link on the homepage; its templates declare no ``lang`` (``language``, every page).
- legacy: list pages have an icon button with no text (``control_names``; a button, so the link graph
  and script-filled lists stay as they were); articles have one with an ``aria-label``; **no** 无障碍 entry on the homepage; no ``lang`` either (``language``, every page).

The base templates (``html_common.document``) otherwise pass the mapped rules (the date colour of
the homepage blocks, ``resources.SITE_CSS``, is #666 on white: 5.7:1). The manifest's
``accessibility`` entry (:func:`truth`) lists per template the requirements that must be found and
the negatives (an element that must not be reported for that requirement).
"""

from __future__ import annotations

from typing import Any

from govwatch.sim.html_common import Ctx, a

TEMPLATES = ("home", "list", "article")
# family -> template -> [(requirement, axe rule, what)]
PLANTS: dict[str, dict[str, list[tuple[str, str, str]]]] = {
    "trs": {"home": [("contrast", "color-contrast", "notice in #c0c0c0 on white (1.8:1)")],
            "article": [("text_alternatives", "image-alt", "share icon <img> without alt")]},
    "jcms": {"list": [("form_labels", "label", "page-jump <input> without a label")]},
    "legacy": {"list": [("control_names", "button-name", "icon button (back to the homepage) with no text")]},
}
NO_LANG = frozenset({"jcms", "legacy"})  # families whose templates declare no lang (every page)
# family -> template -> [(requirement, CSS selector, what)]: the element is never reported for that requirement
NEGATIVES: dict[str, dict[str, list[tuple[str, str, str]]]] = {
    "trs": {"home": [("contrast", ".gw-tip-ok", "notice in #595959 on white (7:1)")],
            "article": [("text_alternatives", ".gw-divider", "decorative divider <img alt=\"\">")],
            "list": [("language", "html", "lang=zh-CN declared")]},
    "jcms": {"article": [("form_labels", "#gw-page", "page-jump <input> with a <label>")]},
    "legacy": {"article": [("control_names", ".gw-home-icon", "icon button with aria-label")]},
}
NO_ENTRY = frozenset({"legacy"})  # families whose homepage offers no 无障碍 entry
ENTRY_TEXT = {"trs": "无障碍", "jcms": "长者模式"}


class SiteAccessibility:
    """The accessibility pieces a site's templates add, and their truth."""

    def __init__(self, family: str, ctx: Ctx) -> None:
        self.family, self.ctx = family, ctx

    @property
    def entry(self) -> bool:
        """Whether the homepage offers a 无障碍 / 适老化 entry."""
        return self.family not in NO_ENTRY

    def _icon(self) -> str:
        return self.ctx.href("images/logo.gif" if self.family == "legacy" else "images/logo.png")

    def home_html(self) -> str:
        """Pieces the homepage shows: the entry, the notices."""
        parts = []
        if self.family == "trs":
            parts.append('<div class="gw-care"><button type="button" class="gw-wza" aria-label="无障碍浏览">'
                         f"{ENTRY_TEXT['trs']}</button></div>")
            parts.append('<p class="gw-tip" style="color:#c0c0c0;background-color:#ffffff">'
                         "温馨提示：本网站建议使用新版浏览器访问。</p>")
            parts.append('<p class="gw-tip-ok" style="color:#595959;background-color:#ffffff">'
                         "咨询电话请见页面底部联系方式。</p>")
        elif self.family == "jcms":
            parts.append(f'<div class="gw-care">{a(self.ctx.href(""), ENTRY_TEXT["jcms"])}</div>')
        return "\n".join(parts)

    def list_html(self) -> str:
        """Pieces every list page shows (after the list)."""
        if self.family == "jcms":
            return '<div class="gw-jump">跳转到第<input type="text" name="gw-page" size="3">页</div>'
        if self.family == "legacy":
            return '<div class="gw-tools"><button type="button" class="gw-home-icon"></button></div>'
        return ""

    def article_html(self) -> str:
        """Pieces every article shows (after the text)."""
        if self.family == "trs":
            return (f'<div class="gw-share"><img src="{self._icon()}" class="gw-share-icon" width="16" height="16">'
                    f'<img src="{self._icon()}" class="gw-divider" alt="" width="100" height="1"></div>')
        if self.family == "jcms":
            return ('<div class="gw-jump"><label for="gw-page">跳转到第</label>'
                    '<input type="text" id="gw-page" name="gw-page" size="3">页</div>')
        if self.family == "legacy":
            return '<div class="gw-tools"><button type="button" class="gw-home-icon" aria-label="返回首页"></button></div>'
        return ""

    def truth(self) -> dict[str, Any]:
        """The manifest entry: the entry, and per template the requirements found (with the rule) and not."""
        planted: dict[str, list[dict[str, str]]] = {t: [] for t in TEMPLATES}
        for template, rows in PLANTS.get(self.family, {}).items():
            planted[template] += [{"requirement": req, "rule": rule, "what": what} for req, rule, what in rows]
        if self.family in NO_LANG:
            for template in TEMPLATES:
                planted[template].append({"requirement": "language", "rule": "html-has-lang",
                                          "what": "template declares no lang"})
        negatives: dict[str, list[dict[str, str]]] = {t: [] for t in TEMPLATES}  # never reported there
        for template, neg in NEGATIVES.get(self.family, {}).items():
            negatives[template] += [{"requirement": req, "selector": sel, "what": what} for req, sel, what in neg]
        return {"entry": self.entry, "entry_text": ENTRY_TEXT.get(self.family), "templates": planted,
                "negatives": negatives}
