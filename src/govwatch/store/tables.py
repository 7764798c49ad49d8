"""Database tables (SQLAlchemy Core). Alembic migrations create and evolve them.

URLs are interned once in ``urls`` and referred to by id; page bodies are
stored once per content hash in ``blobs`` (zstd-compressed). A run's results
are ``fetches`` (one row per URL the run fetched or checked), ``pages``
(extracted facts of HTML pages), ``links`` (source → target edges),
``findings`` and ``check_runs``.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

orgs = Table(
    "orgs", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),  # e.g. the administrative division code
    Column("name", Text, nullable=False),
    Column("parent_id", Integer, ForeignKey("orgs.id")),
    Column("level", String(16), nullable=False, server_default="other"),  # province | city | county | township | other
)

sites = Table(
    "sites", metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False, unique=True),
    Column("name", Text),
    Column("site_code", String(32)),
    Column("scope_prefix", Text, nullable=False, server_default="/"),
    Column("created_at", String(32), nullable=False),
    # Registry (national basic-information fields); empty for sites only ever inspected by URL.
    Column("registered", Boolean, nullable=False, server_default="0"),
    Column("org_id", Integer, ForeignKey("orgs.id")),
    Column("role", String(16), nullable=False, server_default="portal"),  # portal | department | subordinate
    Column("level", String(16)),  # province | city | county | township | other
    Column("sponsor", Text),  # 主办单位
    Column("icp", Text),  # ICP备案号
    Column("police_record", Text),  # 公安机关备案号
    Column("responsible_unit", Text),  # 负责单位 (who answers for the site)
    Column("contact", Text),  # 联系人 and telephone, as given
    Column("status", String(8), nullable=False, server_default="正常"),  # 正常 | 例外 | 关停
    Column("has_services", Boolean, nullable=False, server_default="1"),  # offers 办事服务 (else 4/3 scaling)
)

filings = Table(  # 临时报备: a window in which a site's findings are suppressed
    "filings", metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("starts", String(10), nullable=False),  # YYYY-MM-DD, inclusive
    Column("ends", String(10), nullable=False),  # YYYY-MM-DD, inclusive
    Column("reason", Text, nullable=False),
    Column("kinds", JSON),  # finding kinds suppressed; null = all
    Column("created_at", String(32), nullable=False),
)
Index("ix_filings_site", filings.c.site_id)

runs = Table(
    "runs", metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("kind", String(16), nullable=False, server_default="inspect"),
    # running | interrupted | crawled | completed | failed
    Column("status", String(16), nullable=False),
    Column("as_of", String(32), nullable=False),
    Column("started_at", String(32), nullable=False),
    Column("finished_at", String(32)),
    Column("settings", JSON, nullable=False),
    Column("stats", JSON),
    Column("error", Text),
    # Whether the crawl read the site (set with the checks; null before, and for runs older than 0006):
    # false when the homepage could not be read, every page was blocked, or too little was read.
    Column("complete", Boolean),
    Column("incomplete_reasons", JSON),  # [{code, message, ...}] when not complete
)
Index("ix_runs_site", runs.c.site_id)  # a site's runs (its page, its newest full run)

urls = Table(
    "urls", metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False, unique=True),
)

blobs = Table(
    "blobs", metadata,
    Column("hash", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("codec", String(8), nullable=False),
    Column("data", LargeBinary, nullable=False),
)

fetches = Table(
    "fetches", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("url_id", Integer, ForeignKey("urls.id"), nullable=False),
    Column("role", String(8), nullable=False),  # page (crawled) | resource (checked) | skipped
    Column("kind", String(16), nullable=False),  # page image attachment script style frame external
    Column("depth", Integer, nullable=False),
    Column("method", String(8), nullable=False),
    Column("status", Integer),
    Column("error", String(24)),
    Column("error_detail", Text),
    Column("final_url", Text),
    Column("content_type", Text),
    Column("size", Integer),
    Column("elapsed_ms", Float),
    Column("first_byte_ms", Float),
    Column("attempts", Integer, nullable=False, server_default="1"),
    Column("redirects", JSON),
    Column("body_hash", String(64), ForeignKey("blobs.hash")),
    Column("encoding", String(24)),
    Column("soft_404", Boolean, nullable=False, server_default="0"),
    Column("fetched_at", String(32), nullable=False),
    Column("filename", Text),  # a download's Content-Disposition file name (reports name the file, not the URL)
    UniqueConstraint("run_id", "url_id", name="uq_fetches_run_url"),
)

pages = Table(
    "pages", metadata,
    Column("fetch_id", Integer, ForeignKey("fetches.id"), primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("page_type", String(12), nullable=False),
    Column("title", Text),
    Column("publish_date", String(10)),
    Column("facts", JSON, nullable=False),
    # What the content scanners found in the page's visible text during extraction (compact JSON of
    # analysis/content/text_scan.py; "" = scanned, nothing found); NULL = not scanned then (runs stored
    # before 0016, a scan that failed): the checks scan the stored body instead.
    Column("text_hits", Text),
)
# A stored run's pages are read by run (every re-check and re-score): without it each read scans every
# run's pages (bench/province.py: re-score 520 -> 117 ms a run at 148 runs; migration 0015).
Index("ix_pages_run", pages.c.run_id)

links = Table(
    "links", metadata,
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("source_id", Integer, ForeignKey("urls.id"), nullable=False),
    Column("target_id", Integer, ForeignKey("urls.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("tag", String(12), nullable=False),
    Column("via", String(12), nullable=False),
    Column("text", Text, nullable=False),
)
# Only run_id is indexed: an index on target_id would make every crawl insert a
# random B-tree write per link (4x slower); checks group by target once per run.
Index("ix_links_run", links.c.run_id)

findings = Table(
    "findings", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("code", String(64), nullable=False),  # e.g. interaction.interpretation.no_interpretation_link
    Column("indicator", Text, nullable=False),
    Column("severity", String(8), nullable=False),
    Column("url", Text, nullable=False),
    Column("source", Text),
    Column("target", Text),
    Column("message", Text, nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("fingerprint", String(32), nullable=False),
)
Index("ix_findings_run", findings.c.run_id)
Index("ix_findings_fingerprint", findings.c.fingerprint)

check_runs = Table(
    "check_runs", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("check_name", String(64), nullable=False),
    Column("status", String(16), nullable=False),  # ok | error | not_assessed
    Column("findings", Integer, nullable=False, server_default="0"),
    Column("elapsed_ms", Float, nullable=False),
    Column("error", Text),
    # JSON list of the rule-table sections the check read (rules/reads.py); NULL: not recorded (before 0017)
    Column("rule_reads", Text),
)
Index("ix_check_runs_run", check_runs.c.run_id)

probes = Table(
    "probes", metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    # homepage | column | system (a key column or business system registered in the site config)
    Column("target_kind", String(12), nullable=False, server_default="homepage"),
    Column("url", Text, nullable=False),
    Column("at", String(32), nullable=False),  # ISO time the visit started, Asia/Shanghai
    Column("ok", Boolean, nullable=False),  # the visit opened the page (its own result; the re-probe never changes it)
    Column("status", Integer),
    Column("error", String(24)),
    Column("error_detail", Text),
    Column("dns_ms", Float),
    Column("connect_ms", Float),
    Column("tls_ms", Float),
    Column("first_byte_ms", Float),
    Column("total_ms", Float),
    Column("bytes", Integer),
    Column("timeout_s", Float, nullable=False),
    # The immediate re-probe of a failed visit, kept as evidence: {ok, status, error, total_ms, at}.
    Column("confirmed_by", JSON),
)
Index("ix_probes_site_at", probes.c.site_id, probes.c.at)
# The dashboard's availability of the last days (store/dashboard_rows.py) reads only this index.
Index("ix_probes_site_kind_at", probes.c.site_id, probes.c.target_kind, probes.c.at, probes.c.ok)

columns = Table(
    "columns", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("name", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("type", String(16), nullable=False),
    Column("type_reason", Text, nullable=False),  # keyword:动态 | meta:工作动态 | config
    Column("discovered_by", String(12), nullable=False),  # nav | homepage | breadcrumb | config
    Column("read_via", String(20), nullable=False),  # static | script-pagination | xml-records | endpoint | rendered
    Column("parent", Text),
    Column("last_update", String(10)),
    Column("items", Integer, nullable=False),
    Column("undated", Integer, nullable=False),
    Column("blank", Boolean, nullable=False),
    Column("stale", Boolean),  # None when the column type has no update window
    Column("window_days", Integer),
    Column("days_left", Integer),
    Column("is_key", Boolean, nullable=False, server_default="0"),  # a key column from the site config
    Column("details", JSON, nullable=False),
)
Index("ix_columns_run", columns.c.run_id)

reviewer_findings = Table(  # findings entered by a reviewer (人工检查), scored like any other
    "reviewer_findings", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("indicator", Text, nullable=False),  # rule-table indicator (or veto) id
    Column("kind", String(40), nullable=False),
    Column("url", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("points", Float),  # the reviewer's points (deducted, or earned for bonus items); null = the table's
    Column("reviewer", Text),
    Column("created_at", String(32), nullable=False),
    # Lasting input (migration 0011): a reviewer finding holds for its run and every later run of the
    # site until it is withdrawn or found fixed (docs/rectification.md "Reviewer input that lasts").
    Column("site_id", Integer, ForeignKey("sites.id")),  # backfilled from the run
    Column("status", String(12), nullable=False, server_default="active"),  # active | withdrawn | fixed
    Column("ended_run_id", Integer, ForeignKey("runs.id")),  # fixed: the first run it no longer holds for
    Column("updated_at", String(32)),
)
Index("ix_reviewer_findings_run", reviewer_findings.c.run_id)
Index("ix_reviewer_findings_site", reviewer_findings.c.site_id, reviewer_findings.c.status)

exemptions = Table(  # a finding a reviewer exempted: it stays visible and scores nothing
    "exemptions", metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id")),  # null: every run of the site
    Column("fingerprint", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("reviewer", Text),
    Column("created_at", String(32), nullable=False),
    Column("withdrawn_at", String(32)),  # a withdrawn exemption no longer applies (the audit trail says why)
)
Index("ix_exemptions_site", exemptions.c.site_id)

assessments = Table(  # an indicator a reviewer checked by hand (人工核查): assessed even without a check
    "assessments", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("indicator", Text, nullable=False),
    Column("note", Text, nullable=False),
    Column("reviewer", Text),
    Column("created_at", String(32), nullable=False),
    UniqueConstraint("run_id", "indicator", name="uq_assessments_run_indicator"),
)

scores = Table(  # a run scored with one rule table (the score sheet, every point traced)
    "scores", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("ruleset", String(64), nullable=False),
    Column("computed_at", String(32), nullable=False),
    Column("verdict", String(8)),  # 合格 | 不合格 | null (not fully assessed)
    Column("score", Float),
    Column("sheet", JSON, nullable=False),
    # the names of the sheet's triggered vetoes joined by run_results.NAME_SEPARATOR ('' none; NULL:
    # stored before 0019, read from the sheet): the dashboard reads them without the sheet
    Column("triggered_vetoes", Text),
    UniqueConstraint("run_id", "ruleset", name="uq_scores_run_ruleset"),
)

run_facts = Table(  # what a post-crawl site measurement found (govwatch.crawl.sitefacts): one JSON document per name
    "run_facts", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("name", String(32), nullable=False),  # transport | ipv6 | cloaking (older runs: also mixed_content, which no check reads)
    Column("facts", JSON, nullable=False),
    Column("created", String(32), nullable=False),
    UniqueConstraint("run_id", "name", name="uq_run_facts_run_name"),
)

run_analyses = Table(  # a whole-run analysis (columns ...) as JSON, with the rule-table sections it read (0018)
    "run_analyses", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("name", String(32), nullable=False),  # the analysis (RunData.derived's name): columns
    Column("rule_reads", Text, nullable=False),  # JSON list of sections (rules/reads.py)
    Column("payload", JSON, nullable=False),  # as the analysis layer encoded it (analysis/snapshots.py)
    Column("created", String(32), nullable=False),
    UniqueConstraint("run_id", "name", name="uq_run_analyses_run_name"),
)

# -- the monitoring service (docs/service.md, migration 0008) ------------------------------------

alert_states = Table(  # one row per alerting target: the persisted alert state machine (alerts/state.py)
    "alert_states", metadata,
    Column("target_key", String(600), primary_key=True),  # "<kind>:<url>"
    Column("target_kind", String(12), nullable=False),  # site | column | system
    Column("site_id", Integer, ForeignKey("sites.id")),
    Column("state", String(12), nullable=False),  # unknown | up | pending | down | maintenance
    Column("data", JSON, nullable=False),  # AlertState.to_row(): streaks, since, changes, reminders, acks …
    Column("updated_at", String(32), nullable=False),
)

outbox = Table(  # every notification, written in the transaction of the state change that caused it
    "outbox", metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", String(32), nullable=False),
    Column("event_kind", String(24), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("site_id", Integer, ForeignKey("sites.id")),
    Column("org_code", String(32)),
    Column("target_url", Text),
    Column("recipient", String(120), nullable=False),
    Column("channel", String(120), nullable=False),
    Column("dedupe_key", String(600), nullable=False),
    Column("payload", JSON, nullable=False),  # the Event (alerts/events.py to_payload)
    # pending | sending | sent | failed | held | merged | suppressed
    Column("state", String(12), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", String(32)),
    Column("last_error", Text),
    Column("sent_at", String(32)),
    Column("digest_of", JSON),  # ids of the rows a digest row delivers
    UniqueConstraint("dedupe_key", "recipient", "channel", name="uq_outbox_dedupe"),
)
Index("ix_outbox_state_due", outbox.c.state, outbox.c.next_attempt_at)

schedule_state = Table(  # when each scheduled job last ran and is next due (service/scheduler.py)
    "schedule_state", metadata,
    Column("job_key", String(600), primary_key=True),  # e.g. "scan:<site url>", "bulletin:2026Q4"
    Column("job_kind", String(16), nullable=False),  # probe | patrol | scan | bulletin | digest
    Column("target", Text),
    Column("last_started_at", String(32)),
    Column("last_finished_at", String(32)),
    Column("next_due_at", String(32)),
    Column("last_run_id", Integer),
    Column("last_error", Text),
)

# -- the web dashboard and REST API (docs/web.md, migration 0009) ---------------------------------

users = Table(  # a dashboard / API account (web/auth.py); passwords only as argon2 hashes
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(12), nullable=False),  # admin | manager | viewer | operator
    Column("org_id", Integer, ForeignKey("orgs.id")),  # a manager's or viewer's org (its subtree is theirs)
    Column("password_hash", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("disabled", Boolean, nullable=False, server_default="0"),
)

user_sites = Table(  # an operator's own sites
    "user_sites", metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id"), primary_key=True),
)

web_sessions = Table(  # a signed-in browser: only the sha256 of its cookie's token is stored
    "web_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),  # required on every form the session posts
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
)
Index("ix_web_sessions_user", web_sessions.c.user_id)

api_tokens = Table(  # `govwatch token create USER`: only the sha256 of the token is stored
    "api_tokens", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", String(32), nullable=False),
    Column("last_used_at", String(32)),
)

login_attempts = Table(  # failed logins per "user|client", counted for throttling
    "login_attempts", metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(300), nullable=False),
    Column("at", String(32), nullable=False),
)
Index("ix_login_attempts_key_at", login_attempts.c.key, login_attempts.c.at)

job_requests = Table(  # work the web asks for (inspect now, re-score); the service's scheduler runs it
    "job_requests", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),  # inspect | rescore | recheck
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("args", JSON, nullable=False),
    Column("requested_by", Integer, ForeignKey("users.id")),
    Column("state", String(8), nullable=False),  # queued | running | done | failed
    Column("run_id", Integer, ForeignKey("runs.id")),
    Column("progress", JSON),
    Column("created_at", String(32), nullable=False),
    Column("started_at", String(32)),
    Column("finished_at", String(32)),
    Column("error", Text),
)
Index("ix_job_requests_state", job_requests.c.state, job_requests.c.id)

# --- The rectification loop (migration 0011, docs/rectification.md) ---

audit_events = Table(  # who did what to a ticket, a public report, a reviewer finding, an exemption: when and why
    "audit_events", metadata,
    Column("id", Integer, primary_key=True),
    Column("subject", String(20), nullable=False),  # ticket | public_report | reviewer_finding | exemption | spot_check
    Column("subject_id", Integer, nullable=False),
    Column("at", String(32), nullable=False),
    Column("actor", Text),  # user name, "cli:<login>" or "service"
    Column("action", String(24), nullable=False),
    Column("from_state", String(12)),
    Column("to_state", String(12)),
    Column("note", Text),
    Column("data", JSON),
)
Index("ix_audit_events_subject", audit_events.c.subject, audit_events.c.subject_id, audit_events.c.id)

rectify_notices = Table(  # one 整改通知 sent to one unit (site): its 文号, date and deadline
    "rectify_notices", metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("doc_number", Text, nullable=False),  # 文号, e.g. 〔2026〕12号 with the office's prefix
    Column("issued_at", String(32), nullable=False),
    Column("deadline", String(10), nullable=False),  # YYYY-MM-DD
    Column("issuer", Text),  # the office that sends it
    Column("created_by", Text),
)
Index("ix_rectify_notices_site", rectify_notices.c.site_id)

rectify_tickets = Table(  # one finding sent for rectification (整改工单), from 待下发 to 已销号
    "rectify_tickets", metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("fingerprint", String(32), nullable=False),
    Column("problem_id", String(32), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("indicator", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("source", Text),
    Column("target", Text),
    Column("message", Text, nullable=False),
    Column("evidence", JSON, nullable=False),  # as found; a 退回 adds the new evidence in its audit event
    Column("origin", String(12), nullable=False, server_default="check"),  # check | reviewer
    Column("found_run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("state", String(12), nullable=False),  # pending notified replied verifying closed returned exempted
    Column("notice_id", Integer, ForeignKey("rectify_notices.id")),
    Column("deadline", String(10)),  # YYYY-MM-DD, set when notified
    Column("feedback", Text),  # the unit's latest reply
    Column("verify_job_id", Integer, ForeignKey("job_requests.id")),
    Column("verify_run_id", Integer, ForeignKey("runs.id")),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    Column("closed_at", String(32)),
)
Index("ix_rectify_tickets_site_state", rectify_tickets.c.site_id, rectify_tickets.c.state)
Index("ix_rectify_tickets_site_fingerprint", rectify_tickets.c.site_id, rectify_tickets.c.fingerprint)

ticket_attachments = Table(  # files a unit attaches to its reply (screenshots, documents); bodies in blobs
    "ticket_attachments", metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", Integer, ForeignKey("rectify_tickets.id"), nullable=False),
    Column("event_id", Integer, ForeignKey("audit_events.id")),
    Column("filename", Text, nullable=False),
    Column("content_type", Text, nullable=False),
    Column("size", Integer, nullable=False),
    Column("blob_hash", String(64), ForeignKey("blobs.hash"), nullable=False),
    Column("created_at", String(32), nullable=False),
)
Index("ix_ticket_attachments_ticket", ticket_attachments.c.ticket_id)

public_reports = Table(  # a 我为政府网站找错 report or a 留言 forwarded to a unit, tracked to its close
    "public_reports", metadata,
    Column("id", Integer, primary_key=True),
    Column("channel", String(12), nullable=False),  # zhaocuo | message
    Column("external_id", Text, nullable=False),  # the national platform's 编号 (or one govwatch gives)
    Column("site_id", Integer, ForeignKey("sites.id")),  # null: the export named a site not registered
    Column("site_name", Text),  # as the export names it
    Column("category", String(12)),  # 留言: 咨询 | 投诉 | 建议 | 其他 (decides the answer deadline); 找错: null
    Column("title", Text, nullable=False),
    Column("content", Text),
    Column("reporter", Text),
    Column("received_at", String(32), nullable=False),
    Column("forward_deadline", String(32), nullable=False),
    Column("answer_deadline", String(32), nullable=False),
    Column("deadline_estimated", Boolean, nullable=False, server_default="0"),  # a year the calendar lacks
    Column("forwarded_at", String(32)),
    Column("answered_at", String(32)),
    Column("closed_at", String(32)),
    Column("answer", Text),
    Column("state", String(12), nullable=False),  # received | forwarded | answered | closed
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    UniqueConstraint("channel", "external_id", name="uq_public_reports_channel_external"),
)
Index("ix_public_reports_site_state", public_reports.c.site_id, public_reports.c.state)

spot_checks = Table(  # a reproducible 抽查 draw: the population, the seed and what was drawn
    "spot_checks", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("period", Text, nullable=False),  # e.g. 2026年第四季度
    Column("seed", Integer, nullable=False),
    Column("spec", JSON, nullable=False),  # {level: ratio} and minimums, as asked
    Column("population", JSON, nullable=False),  # {level: [site ids, sorted]}
    Column("created_at", String(32), nullable=False),
    Column("created_by", Text),
)

spot_check_sites = Table(  # a drawn site and the inspection run of it (null until inspected)
    "spot_check_sites", metadata,
    Column("spot_check_id", Integer, ForeignKey("spot_checks.id"), primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id"), primary_key=True),
    Column("level", String(16), nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id")),
)

# --- A province on several machines (migration 0012, docs/deploy.md) ---

probe_days = Table(  # probe visits older than the retention window, rolled up per site, target and day
    "probe_days", metadata,
    Column("site_id", Integer, ForeignKey("sites.id"), primary_key=True),
    Column("target_kind", String(12), primary_key=True),
    Column("url", Text, primary_key=True),
    Column("day", String(10), primary_key=True),  # YYYY-MM-DD, Asia/Shanghai
    Column("visits", Integer, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("total_ms_sum", Float, nullable=False),  # of the visits that measured a total time
    Column("total_ms_count", Integer, nullable=False),
    Column("total_ms_max", Float),
)

probe_schedule = Table(  # what the distributed prober visits and when; claimed in batches with a lease
    "probe_schedule", metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("target_kind", String(12), nullable=False),
    Column("url", Text, nullable=False),
    Column("interval_s", Float, nullable=False),
    Column("timeout_s", Float, nullable=False),
    Column("next_due_at", String(32), nullable=False),  # ISO UTC
    Column("leased_by", Text),
    Column("leased_until", String(32)),
    UniqueConstraint("site_id", "url", name="uq_probe_schedule_site_url"),
)
Index("ix_probe_schedule_due", probe_schedule.c.next_due_at)

# --- Counterfeit government sites (migration 0014, docs/counterfeit.md) ---

counterfeit_suspects = Table(  # a page elsewhere that claims a registered site's identity (假冒政府网站)
    "counterfeit_suspects", metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),  # the registered site impersonated
    Column("url", Text, nullable=False),  # where the suspect page was found
    Column("host", Text, nullable=False),
    Column("source", String(12), nullable=False),  # check (a URL or file checked by hand) | candidate (look-alike host probe)
    Column("confidence", Float, nullable=False),  # 0..1
    Column("verdict", String(12), nullable=False),  # counterfeit | suspect | genuine
    Column("evidence", JSON, nullable=False),  # matching identifiers, similarity, the page's title
    Column("first_seen_at", String(32), nullable=False),
    Column("last_seen_at", String(32), nullable=False),
    Column("state", String(12), nullable=False, server_default="open"),  # open | reported | closed
    UniqueConstraint("site_id", "url", name="uq_counterfeit_suspects_site_url"),
)
