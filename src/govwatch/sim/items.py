"""One item of a column: article, message, guide, survey or interview.

Items are built on demand from (seed, site, column, index); building one costs a
few microseconds and nothing is cached, so a 100,000-page site costs no memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from govwatch.sim.boards import (
    ANSWERED_STATE,
    BROKEN_FORM_N,
    GUIDE_MISSING,
    UNANSWERED_STATE,
    VAGUE_PHRASES,
    ItemLink,
    guide_role,
    message_plan,
    survey_plan,
)
from govwatch.sim.column_pages import Column
from govwatch.sim.linkage import INTERPRETATION_NO, document_name, explained, links_its_document
from govwatch.sim.rng import Rng
from govwatch.sim.words import (
    ACTIONS,
    DOC_KINDS,
    INDICATORS,
    ISSUES,
    MATTERS,
    MEETINGS,
    PEOPLE,
    PLACES,
    REPLY_SENTENCES,
    SENTENCES,
    TOPICS,
)

ATTACHMENT_EXTS: tuple[str, ...] = ("pdf", "doc", "docx", "xlsx")
_ATTACHING = {"notice", "policy", "plan", "data", "personnel", "interpretation", "survey"}
ORG_TITLES: tuple[str, ...] = ("主要职责", "内设机构", "工作规则", "直属单位", "机构沿革", "办公地址和联系方式")
REPLY_UNITS: tuple[str, ...] = ("市住房和城乡建设局", "市交通运输局", "市城市管理局", "市教育局", "市医疗保障局", "区人民政府")


@dataclass(slots=True)
class Attachment:
    """An attachment link of an item: ``n`` is 1-based within the item."""

    n: int
    ext: str
    label: str


@dataclass(frozen=True, slots=True)
class Headline:
    """What a list entry shows of an item: title and publication time."""

    title: str
    when: datetime


@dataclass(slots=True)
class Item:
    """Everything a page needs to show one column entry."""

    column: Column
    index: int
    docid: int
    when: datetime
    title: str
    source: str
    paragraphs: list[str]
    attachments: list[Attachment] = field(default_factory=list)
    images: int = 0
    details: dict[str, str] = field(default_factory=dict)  # message / guide / survey fields
    answered: bool = True
    links: list[ItemLink] = field(default_factory=list)  # guide pages: form and online entries (sim.interaction)


class ItemFactory:
    """Builds items of one site; counts how many it built (a functional memory check)."""

    def __init__(self, site_key: str, short_name: str, as_of_end: datetime) -> None:
        self.site_key = site_key
        self.short = short_name
        self.as_of_end = as_of_end
        self.built = 0
        self.documents: Column | None = None  # the 政策文件 column its interpretations name (sim.linkage)
        self.sourceless: frozenset[tuple[int, int]] = frozenset()  # (column, index) with an empty 来源 (planted)

    def _head(self, column: Column, index: int) -> tuple[Rng, datetime, str, str]:
        r = Rng(column.item_seed(index, 2))
        when = column.item_when(index)
        topic = r.choice(TOPICS)
        if column.type == "service":
            return r, when, topic, f"{self._matter(index)}办事指南"
        if column.type == "other":  # 机构职能: one page per subject
            subject = ORG_TITLES[index % len(ORG_TITLES)]
            round_no = index // len(ORG_TITLES)
            return r, when, topic, f"{self.short}{subject}" + (f"（{round_no + 1}）" if round_no else "")
        if column.no == INTERPRETATION_NO and self.documents is not None:
            return r, when, topic, self._interpretation_title(index, r, topic, when)
        return r, when, topic, self._title(column.type, r, topic, when)

    def _interpretation_title(self, index: int, r: Rng, topic: str, when: datetime) -> str:
        """An interpretation names the document it explains in 《》 (sim.linkage); one that does
        not link it (planted) is a 图解 naming none, as graphic interpretations often are."""
        assert self.documents is not None
        target = explained(index, self.documents)
        if target is None or not links_its_document(index):
            return f"图解：{when.year}年{topic}政策要点"
        name = document_name(self._head(self.documents, target)[3])
        return r.choice((f"《{name}》政策解读", f"一图读懂《{name}》", f"《{name}》解读"))

    def headline(self, column: Column, index: int) -> Headline:
        """Title and time of item ``index``: all a list page needs (cheaper than :meth:`item`)."""
        self.built += 1
        _, when, _, title = self._head(column, index)
        return Headline(title, when)

    def item(self, column: Column, index: int) -> Item:
        """Item ``index`` (0 = newest) of ``column``."""
        self.built += 1
        r, when, topic, title = self._head(column, index)
        paragraphs = [self._sentence(r, topic) for _ in range(2 + r.randrange(3))]
        source = f"{self.short}{r.choice(('办公室', '政务公开办', '信息中心'))}"
        if (column.no, index) in self.sourceless:  # the ContentSource tag and the 来源 line left empty
            source = ""
        item = Item(column, index, column.docid(index), when, title, source, paragraphs)
        if column.type in _ATTACHING and (column.type == "policy" or r.random() < 0.5):
            count = 1 + (r.random() < 0.3)
            for n in range(1, count + 1):
                ext = "xlsx" if column.type == "data" else r.choice(ATTACHMENT_EXTS)
                item.attachments.append(Attachment(n, ext, f"附件{n}：{topic}{('登记表', '明细表', '申报指南')[n % 3]}.{ext}"))
        if column.type in ("dynamic", "interview") and r.random() < 0.6:
            item.images = 1
        if column.type == "consult":
            self._message(item, r, when)
        elif column.type == "service":
            self._guide(item, r)
        elif column.type == "survey":
            plan = survey_plan(column, index)
            item.details = {"征集开始": when.strftime("%Y-%m-%d"), "征集截止": plan.end.strftime("%Y-%m-%d")}
            if plan.result is not None:
                item.details["征集结果"] = f"共收到意见建议{3 + r.randrange(0, 40)}条，采纳{1 + r.randrange(0, 3)}条，已研究吸收。"
                item.details["反馈时间"] = plan.result.strftime("%Y-%m-%d")
        elif column.type == "interview":
            item.details = {"访谈时间": when.strftime("%Y-%m-%d %H:%M"), "访谈嘉宾": f"{r.choice(PEOPLE)}（{self.short}有关负责人）"}
        return item

    def _title(self, ctype: str, r: Rng, topic: str, when: datetime) -> str:
        year = when.year
        short = self.short
        if ctype == "dynamic":
            return r.choice((f"{short}召开{topic}{r.choice(MEETINGS)}", f"{r.choice(PEOPLE)}调研{topic}工作",
                             f"{short}{topic}工作取得新进展", f"{short}扎实推进{topic}"))
        if ctype == "notice":
            return r.choice((f"关于{r.choice(ACTIONS)}{year}年{topic}工作的通知", f"关于{topic}有关事项的公示",
                             f"{year}年{topic}专项检查情况通报"))
        if ctype == "policy":
            return f"{short}关于印发《{short}{topic}{r.choice(DOC_KINDS)}》的通知"
        if ctype == "interpretation":
            return r.choice((f"《{short}{topic}{r.choice(DOC_KINDS)}》政策解读", f"图解：{year}年{topic}政策要点"))
        if ctype == "personnel":
            return r.choice((f"关于{r.choice(PEOPLE)}等同志职务任免的通知", f"{year}年公开招聘{topic}工作人员公告",
                             f"{year}年拟任职干部任前公示"))
        if ctype == "plan":
            return r.choice((f"{short}{topic}“十四五”规划", f"{year}年{topic}工作计划", f"{short}{topic}三年行动计划"))
        if ctype == "consult":
            return r.choice((f"关于{r.choice(PLACES)}{r.choice(ISSUES)}的问题", f"咨询{topic}相关政策", f"反映{r.choice(ISSUES)}问题"))
        if ctype == "survey":
            return f"关于《{short}{topic}{r.choice(DOC_KINDS)}（征求意见稿）》公开征求意见的公告"
        if ctype == "interview":
            return f"{short}有关负责人谈{topic}"
        if ctype == "data":
            return f"{year}年{when.month}月{short}{r.choice(INDICATORS)}"
        return f"{short}{topic}"

    def _sentence(self, r: Rng, topic: str) -> str:
        sentence = r.choice(SENTENCES)
        return f"围绕{topic}工作，{sentence}" if r.random() < 0.3 else sentence

    def _message(self, item: Item, r: Rng, when: datetime) -> None:
        plan = message_plan(item.column, item.index)  # type, reply and planted defects (sim.interaction)
        reply = plan.replied
        item.answered = reply is not None
        details = {
            "留言类型": plan.type,
            "留言人": r.choice(PEOPLE)[0] + "**",
            "留言时间": when.strftime("%Y-%m-%d %H:%M:%S"),
            "留言内容": f"您好，我想反映{r.choice(PLACES)}{r.choice(ISSUES)}的情况，希望有关部门尽快处理，谢谢。",
            "办理状态": ANSWERED_STATE if reply else UNANSWERED_STATE,
            "答复单位": r.choice(REPLY_UNITS) if reply else "",
            "答复时间": reply.strftime("%Y-%m-%d %H:%M:%S") if reply else "",
            "答复内容": r.choice(REPLY_SENTENCES) if reply else "正在办理中。",
        }
        item.details = {k: v for k, v in details.items() if k not in plan.hidden}

    @staticmethod
    def _matter(index: int) -> str:
        matter = MATTERS[index % len(MATTERS)]
        round_no = index // len(MATTERS)
        return matter if round_no == 0 else f"{matter}（{round_no + 1}）"

    def _guide(self, item: Item, r: Rng) -> None:
        """A guide with every element class of the rule tables, its form and online entry, or
        (by index, ``sim.interaction.GUIDE_ROLES``) one planted defect."""
        name = self._matter(item.index)
        role = guide_role(item.index)
        form = f"{name}申请表"
        materials = (f"1.《{form}》（原件1份）；2.申请人身份证明（原件及复印件各1份）；"
                     "3.营业执照或组织机构代码证（复印件1份，加盖公章）。")
        if role == "vague":
            materials = (f"1.《{form}》（原件1份）；2.申请人身份证明（复印件1份）；"
                         f"3.{VAGUE_PHRASES[0]}；4.{VAGUE_PHRASES[1]}。")
        elif role == "materials_unclear":
            materials = f"1.《{form}》；2.申请人身份证明；3.营业执照。"
        details = {
            "事项名称": name,
            "设定依据": f"《{r.choice(TOPICS)}管理条例》第{r.randrange(5, 40)}条",
            "申请条件": "申请人应具有完全民事行为能力，符合相关法律法规规定的条件。",
            "办理材料": materials,
            "办理机构": f"{self.short}{r.choice(('行政审批局', '政务服务管理办公室', '市场监督管理局'))}",
            "收费标准": "不收费",
            "办理地点": f"{self.short}政务服务中心{r.randrange(1, 4)}楼{r.randrange(1, 40)}号窗口",
            "办理时间": "工作日上午9:00-12:00，下午13:30-17:00（法定节假日除外）",
            "联系电话": f"0{r.randrange(100, 999)}-{r.randrange(8000000, 8999999)}",
            "办理流程": "申请→受理→审查→决定→送达",
        }
        if role == "incomplete":
            details = {k: v for k, v in details.items() if k not in GUIDE_MISSING}
        item.details = details
        if role == "form_broken":
            item.links.append(ItemLink(f"《{form}》下载", "file", n=BROKEN_FORM_N, ext="doc"))
        elif role != "form_unlinked":
            item.attachments.append(Attachment(1, "docx", f"{form}.docx"))
        folder = "err" if role == "online_broken" else "ok"
        site_id = self.site_key.split(":", 1)[1]
        item.links.append(ItemLink("在线办理", "external", f"{folder}/{site_id}/zwfw/{item.docid}.html"))
