"""Drives the observatory's API through a client generated from its OpenAPI document by
openapi-python-client (tests/web/api.rs generates it, starts the server and runs this).
Every answer is read through the generated, typed models: a field the document gets
wrong fails here.

    python3 api_client.py PACKAGE_PARENT BASE_URL EMPLOYER_TOKEN PLANNER_TOKEN ANALYST_TOKEN AREA
"""

import sys

parent, base, employer_token, planner_token, analyst_token, area = sys.argv[1:7]
sys.path.insert(0, parent)

from observatory_client import AuthenticatedClient  # noqa: E402
from observatory_client.api.accounts import me  # noqa: E402
from observatory_client.api.evidence import add_item, calls, gaps, item, items, register, search  # noqa: E402
from observatory_client.api.figures import query, tables  # noqa: E402
from observatory_client.api.returns import status, submissions  # noqa: E402
from observatory_client.models import (  # noqa: E402
    ErrorBody,
    GapMap,
    Item,
    NewItem,
    NewItemTags,
    Me,
    Publication,
    QueryAnswer,
    ReturnsStatus,
    SearchResults,
)

employer = AuthenticatedClient(base_url=base, token=employer_token)
planner = AuthenticatedClient(base_url=base, token=planner_token)
analyst = AuthenticatedClient(base_url=base, token=analyst_token)


def check(cond, what):
    if not cond:
        raise SystemExit(f"failed: {what}")


# Who the token is.
who = me.sync(client=employer)
check(isinstance(who, Me), f"me is typed: {who!r}")
check(who.role == "employer" and who.employers == ["E1"], f"me: {who!r}")

# A figure of the employer's own records (exact) and across organisations (protected).
own = query.sync(client=employer, measure="headcount", by="gender", where="employer=E1")
check(isinstance(own, QueryAnswer), f"query is typed: {own!r}")
check(own.measure == "headcount" and own.by == ["gender"], f"query: {own!r}")
check(all(isinstance(r.suppressed, bool) for r in own.rows), "rows say if suppressed")
male = [r for r in own.rows if r["gender"] == "male"]
check(male and male[0].value == 3 and not male[0].suppressed, f"own records exact: {own!r}")
across = query.sync(client=planner, measure="headcount", by="employer,gender", where=f"area={area}")
check(isinstance(across, QueryAnswer), f"query is typed: {across!r}")
male = [r for r in across.rows if r["employer"] == "E1" and r["gender"] == "male"]
check(male and male[0].suppressed and male[0].value is None, f"others suppressed: {across!r}")

# The returns tracker: the planner's area, and a 403 for the employer.
tracked = status.sync(client=planner, area=area)
check(isinstance(tracked, ReturnsStatus), f"status is typed: {tracked!r}")
check(tracked.area == area and tracked.returned >= 1, f"status: {tracked!r}")
check(any(e.employer_id == "E1" for e in tracked.employers), f"E1 tracked: {tracked!r}")
refused = status.sync_detailed(client=employer, area=area)
check(refused.status_code == 403, f"employer refused the tracker: {refused.status_code}")
check(isinstance(refused.parsed, ErrorBody) and refused.parsed.error, f"{refused.parsed!r}")

# The employer's own submissions, and none of another employer's.
mine = submissions.sync(client=employer, employer="E1")
check(isinstance(mine, list), f"submissions: {mine!r}")
other = submissions.sync_detailed(client=employer, employer="E2")
check(other.status_code == 403, f"another employer's submissions: {other.status_code}")

# The publication: every table protected.
published = tables.sync(client=planner)
check(isinstance(published, Publication), f"publication is typed: {published!r}")
check(published.tables, "the publication has tables")
for t in published.tables:
    for r in t.rows:
        check(not r.suppressed or r.value is None, f"{t.id}: a suppressed figure shown")

# The evidence library: an analyst adds an item through a typed body, everyone finds
# and reads it, and an employer user may not add one.
new = NewItem(
    title="Retention of early years practitioners",
    item_type="research_report",
    organisation="A trust",
    year=2024,
    summary="Why practitioners stay in the workforce.",
    tags=NewItemTags.from_dict({"theme": ["status_rewards"]}),
)
added = add_item.sync_detailed(client=analyst, body=new)
check(added.status_code == 201 and isinstance(added.parsed, Item), f"added: {added!r}")
item_id = added.parsed.id
refused = add_item.sync_detailed(client=employer, body=new)
check(refused.status_code == 403 and isinstance(refused.parsed, ErrorBody), f"{refused!r}")
found = search.sync(client=employer, q="practitioners")
check(isinstance(found, SearchResults), f"search is typed: {found!r}")
check(found.total == 1 and found.hits[0].id == item_id, f"search: {found!r}")
check("<b>" in found.hits[0].title_html, f"highlighted: {found.hits[0]!r}")
one = item.sync(client=employer, id=item_id)
check(isinstance(one, Item) and one.added_by == "the observatory", f"item: {one!r}")
check(one.tags["theme"] == ["status_rewards"] and one.attachments == [], f"item: {one!r}")
listed = items.sync(client=employer)
check(listed.total == 1 and listed.items[0].id == item_id, f"items: {listed!r}")
check(register.sync(client=employer) == [], "an empty register")
check(calls.sync(client=employer) == [], "no calls")
mapped = gaps.sync(client=employer, columns="outcome")
check(isinstance(mapped, GapMap) and mapped.columns_facet == "outcome", f"gaps: {mapped!r}")
check(len(mapped.cells) == len(mapped.themes), "a row of cells per theme")

print("ok")
