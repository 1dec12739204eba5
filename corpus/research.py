"""Interview notes and market research for the sample corpus: hand-written text, with the facts they plant."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _interview(front: dict[str, str], body: str) -> str:
    import yaml

    return "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + "---\n\n" + body.strip() + "\n"


INTERVIEWS: dict[str, dict[str, Any]] = {
    "2026-04-northwind-logistics": {
        "pains": ["mobile_offline", "export_slow"],
        "strengths": ["automations"],
        "text": _interview(
            {
                "title": "Interview: Northwind Logistics",
                "customer": "Northwind Logistics",
                "role": "Operations Lead",
                "company_size": "201-1000",
                "plan": "Business",
                "segment": "Mid-Market",
                "date": "2026-04-14",
                "interviewer": "PM team",
            },
            """
# Interview: Northwind Logistics

## Context
Northwind runs 14 warehouses and a field maintenance crew of about 60 technicians. They moved from paper
checklists to Tasklane last year. Our contact leads operations and owns the rollout.

## How they use Tasklane
Every warehouse has a board for inbound issues, and technicians work through maintenance checklists on their
phones. Automations move a task to "Needs parts" when a checklist item is marked as blocked.

> "The automations are the reason we picked you. Moving tasks between stages by rule replaced a whole
> spreadsheet process."

## Pain points
### Working without signal
The technicians often work in basements and cold stores without reception. When the phone loses the
connection, the app shows a spinner, and edits made offline are lost when it reconnects.

> "My crew fills in a checklist in the freezer room, walks out, and the app has thrown it all away. After
> the third time they went back to paper."

They estimate that one in ten checklists has to be re-entered. It is the main reason the rollout to the
other two regions is paused.

### Getting data out
Month-end reporting needs a full export of every warehouse board. The CSV export times out for the larger
boards, so an analyst exports warehouse by warehouse and stitches the files together.

> "Exporting is an afternoon of babysitting a progress bar."

## What they would change
A real offline mode for mobile, with changes queued and synced later, and a bulk export they can schedule.
""",
        ),
    },
    "2026-05-helix-bank": {
        "pains": ["sso_scim", "permissions", "dashboard_slow"],
        "text": _interview(
            {
                "title": "Interview: Helix Bank",
                "customer": "Helix Bank",
                "role": "Engineering Manager",
                "company_size": "5000+",
                "plan": "Enterprise",
                "segment": "Enterprise",
                "date": "2026-05-06",
                "interviewer": "PM team",
            },
            """
# Interview: Helix Bank

## Context
Helix Bank uses Tasklane for change management across 40 engineering teams. The IT security team reviews every
tool, and Tasklane passed with conditions.

## Pain points
### Provisioning and SSO
SCIM provisioning creates users but does not remove them when they leave the bank. The security audit flagged
that leavers kept access for weeks.

> "Deprovisioning is a manual ticket to our admin every Friday. Our auditors did not love that."

SSO is enforced for staff but contractors can still log in with a password, which security wants closed.

### Permissions
They need a read-only role for internal auditors, and field-level permissions so that budget fields are
hidden from contractors.

> "Permissions are all or nothing. I can't give an auditor a view without giving them an edit button."

### Portfolio reporting
The portfolio dashboard over all 40 teams takes close to a minute to load, and leadership has stopped using it.

> "The portfolio report is so slow that our CIO asked for a PowerPoint instead."

## What they would change
Automatic deprovisioning through SCIM, an auditor role, and a portfolio dashboard that opens in seconds.
""",
        ),
    },
    "2026-06-brightpath-studio": {
        "pains": ["pricing_seats", "onboarding_confusing"],
        "strengths": ["ease_of_use", "templates"],
        "text": _interview(
            {
                "title": "Interview: Brightpath Studio",
                "customer": "Brightpath Studio",
                "role": "Project Manager",
                "company_size": "11-50",
                "plan": "Team",
                "segment": "SMB",
                "date": "2026-06-02",
                "interviewer": "PM team",
            },
            """
# Interview: Brightpath Studio

## Context
A 25-person design agency that runs client projects in Tasklane. Clients are invited to review boards.

## What works
The team likes the interface: clean, quick, easy for designers who hate project tools. The launch templates
saved them a week when they started.

> "It's the first PM tool my designers actually open without being asked."

## Pain points
### Paying for viewers
Clients only look at a board now and then, but each one needs a paid seat. The studio removed clients from
Tasklane to stay within budget and now sends screenshots instead.

> "We pay full price for a client who logs in twice a month. It's hard to justify."

### The first weeks
Setting up was confusing: the difference between spaces, projects and boards was not clear, and they rebuilt
their workspace twice.

## What they would change
Free viewer seats for clients, and a simpler guided setup.
""",
        ),
    },
    "2026-07-quanta-robotics": {
        "pains": ["jira_sync", "api_limits"],
        "text": _interview(
            {
                "title": "Interview: Quanta Robotics",
                "customer": "Quanta Robotics",
                "role": "Developer",
                "company_size": "51-200",
                "plan": "Business",
                "segment": "Mid-Market",
                "date": "2026-07-21",
                "interviewer": "PM team",
            },
            """
# Interview: Quanta Robotics

## Context
Quanta's firmware team lives in Jira and GitHub; product and hardware teams plan in Tasklane. A developer
maintains the glue between the tools.

## Pain points
### Jira two-way sync
The two-way Jira sync stops silently every few weeks. Nobody notices until boards are days out of date, and
the sync has created duplicate issues when someone edits a task on both sides.

> "We spend hours reconciling Jira and Tasklane. The sync is too flaky to trust."

### API limits
Their internal tooling calls the Tasklane API to mirror status into dashboards. They hit 429 errors daily,
and webhooks sometimes arrive hours late or not at all.

> "The rate limit is fine for a script, not for a company."

## What they would change
A reliable Jira sync that alerts when it stops, higher API limits, and webhooks with retries.
""",
        ),
    },
    "2026-08-meridian-health": {
        "pains": ["export_slow", "dashboard_slow", "search_poor"],
        "strengths": ["support_team"],
        "text": _interview(
            {
                "title": "Interview: Meridian Health",
                "customer": "Meridian Health",
                "role": "Executive",
                "company_size": "1001-5000",
                "plan": "Enterprise",
                "segment": "Enterprise",
                "date": "2026-08-12",
                "interviewer": "PM team",
            },
            """
# Interview: Meridian Health

## Context
Meridian runs clinical operations projects across 9 hospitals. Our contact is the VP of operations.

## Pain points
### Compliance exports
Every quarter compliance asks for a full export of all projects with comments and attachments. The export
caps out and drops custom fields, so an analyst spends two days assembling it.

> "Getting our own data out of Tasklane is the hardest part of the audit."

### Slow reporting
Dashboards across the hospitals take a long time to load, which makes the weekly review painful.

### Finding old decisions
Search does not look inside comments or attachments, so decisions from last year are hard to find.

## What works
Support has been excellent: fast, and they escalated the export problem the same day.

> "Your support team is the reason we renewed."
""",
        ),
    },
    "2026-09-fieldcraft-services": {
        "pains": ["mobile_offline", "notification_noise"],
        "strengths": ["ease_of_use"],
        "text": _interview(
            {
                "title": "Interview: Fieldcraft Services",
                "customer": "Fieldcraft Services",
                "role": "Field Technician",
                "company_size": "51-200",
                "plan": "Team",
                "segment": "Mid-Market",
                "date": "2026-09-03",
                "interviewer": "PM team",
            },
            """
# Interview: Fieldcraft Services

## Context
Fieldcraft installs solar panels; crews use Tasklane on phones at customer sites.

## Pain points
### Offline
Rural sites often have no coverage. Photos attached offline never upload, and form entries vanish when the
app reconnects.

> "Half our crew works where there is no signal, so the app is a gamble."

### Notifications
The office gets an email for every comment on every job, so people filter them all away and miss the
urgent ones.

## What works
The app is simple enough that new crew members learn it in a day.
""",
        ),
    },
    "2026-10-orbit-commerce": {
        "pains": ["export_slow", "jira_sync", "permissions"],
        "text": _interview(
            {
                "title": "Interview: Orbit Commerce",
                "customer": "Orbit Commerce",
                "role": "Product Manager",
                "company_size": "201-1000",
                "plan": "Business",
                "segment": "Mid-Market",
                "date": "2026-10-08",
                "interviewer": "PM team",
            },
            """
# Interview: Orbit Commerce

## Context
An e-commerce platform with 12 product squads. Product managers plan in Tasklane; engineers work in Jira.

## Pain points
### Data out
The data team pulls Tasklane data into the warehouse weekly. Exports are slow and there is no bulk export
across workspaces, so they wrote a scraper.

> "A scheduled export to our warehouse would save a day a week."

### Jira
Status changes in Jira don't come back to Tasklane, so roadmaps drift from reality.

### Agencies
External agencies need access to one board only, and guest access is too limited for that.
""",
        ),
    },
}

MARKET_DOCS: dict[str, dict[str, Any]] = {
    "research/competitors.md": {
        "facts": [
            {
                "id": "flowboard_offline_mobile",
                "kind": "threat",
                "related": "mobile_offline",
                "fact": "Flowboard launched an offline-first mobile app aimed at field teams",
            },
            {
                "id": "trackwise_jira_sync",
                "kind": "threat",
                "related": "jira_sync",
                "fact": "Trackwise ships native two-way Jira sync with field mapping",
            },
            {
                "id": "planhive_free_viewers",
                "kind": "threat",
                "related": "pricing_seats",
                "fact": "Planhive offers free viewer seats and cut its price to $8 per seat",
            },
        ],
        "text": """# Competitor landscape, autumn 2026

## Flowboard
Flowboard launched an offline-first mobile app in July 2026, marketed directly at field service and
construction teams. Edits queue on the device and sync when the connection returns. Their sales team is
targeting accounts with frontline workers.

## Trackwise
Trackwise ships native two-way Jira sync with field mapping and sync health alerts. Engineering-led
buyers cite it as the reason to choose Trackwise over general work-management tools.

## Planhive
Planhive offers free viewer seats and cut its list price to $8 per seat per month for teams under 50.
It is winning price-sensitive small teams and agencies.

## What they lack
None of the three offers SCIM deprovisioning below their top plan, and none has an auditor role.
""",
    },
    "research/market-size.md": {
        "facts": [
            {
                "id": "market_growth",
                "kind": "opportunity",
                "related": None,
                "fact": "The work management software market is growing about 13% a year",
            },
            {
                "id": "mid_market_fastest",
                "kind": "opportunity",
                "related": None,
                "fact": "Mid-market companies are the fastest-growing buyer segment",
            },
        ],
        "text": """# Market size and growth

The work management software market was estimated at $9.8 billion in 2025 and is growing about 13% a year.
Mid-market companies (51 to 1,000 employees) are the fastest-growing buyer segment, at roughly 17% a year, as
they replace spreadsheets and email with shared tools.

Enterprise buyers grow more slowly but spend four to six times more per seat, and they weigh security
features (SSO, SCIM, audit logs) heavily in evaluations.
""",
    },
    "research/trends-2026.txt": {
        "facts": [
            {
                "id": "ai_assistants",
                "kind": "opportunity",
                "related": None,
                "fact": "Buyers increasingly expect AI assistants that summarise projects and status",
            },
            {
                "id": "frontline_underserved",
                "kind": "opportunity",
                "related": "mobile_offline",
                "fact": "Frontline and field workers are underserved by work-management tools",
            },
            {
                "id": "tool_consolidation",
                "kind": "threat",
                "related": "pricing_seats",
                "fact": "Budgets are consolidating onto fewer tools, putting per-seat pricing under pressure",
            },
        ],
        "text": """Trends in work management, 2026

1. AI assistants. Buyers increasingly expect AI assistants that summarise projects, draft status updates and
answer questions about work in progress. Vendors without one are starting to lose evaluations.

2. Frontline workers. Frontline and field workers are underserved by work-management tools, which were
designed for desks. Offline capability on mobile is the most requested feature in this group.

3. Consolidation. IT budgets are consolidating onto fewer tools. Finance teams question per-seat pricing for
occasional users, which puts per-seat pricing under pressure.

4. Data residency. European buyers ask for EU data residency more often, especially in health and finance.
""",
    },
    "research/analyst-note-security.md": {
        "facts": [
            {
                "id": "eu_data_residency",
                "kind": "opportunity",
                "related": None,
                "fact": "Demand for EU data residency is rising in regulated industries",
            },
        ],
        "text": """# Analyst note: security requirements in regulated industries

Security reviews in banking and health now routinely require automatic deprovisioning (SCIM), enforced SSO
for all users including contractors, and read-only auditor access. Demand for EU data residency is rising in
regulated industries, and a vendor that offers it can shorten procurement by weeks.
""",
    },
}

PDF_DOC: dict[str, Any] = {
    "path": "research/pricing-benchmark-2026.pdf",
    "title": "Pricing benchmark: work management tools, 2026",
    "facts": [
        {
            "id": "free_viewers_common",
            "kind": "threat",
            "related": "pricing_seats",
            "fact": "Three of four competitors offer free viewer seats",
        },
    ],
    "paragraphs": [
        "Pricing benchmark: work management tools, 2026",
        "We compared list prices of four work management tools for a team of 25 in October 2026.",
        "Flowboard: $11 per seat per month, viewers free. Trackwise: $12 per seat per month, viewers free. "
        "Planhive: $8 per seat per month, viewers free. Tasklane: $12 per seat per month, viewers paid.",
        "Three of four competitors offer free viewer seats. Tasklane is the only one that charges full price for "
        "people who only view boards.",
        "Annual discounts range from 15% to 20% across the four tools.",
    ],
}


def write_pdf(path: Path, title: str, paragraphs: list[str]) -> None:
    """A small real PDF (text layer included), written the same way every time."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    doc = SimpleDocTemplate(str(path), pagesize=A4, title=title, author="Tasklane market research", invariant=1)
    story: list[Any] = [Paragraph(paragraphs[0], styles["Title"])]
    for p in paragraphs[1:]:
        story += [Paragraph(p, styles["BodyText"]), Spacer(1, 8)]
    doc.build(story)
