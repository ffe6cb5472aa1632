"""The generated-client scenario: log in, read the roster, propose a substitution, all through
the Python client that openapi-python-client generates from openapi/openapi.json
(scripts/clients.sh). Run by tests/api/generated_client.rs against the running service:

    scenario.py BASE_URL CENTER EMPLOYEE_NO PASSWORD ROSTER_ID SUBSTITUTE_ID

Asserts the statuses and key fields; exits non-zero on any failure. On success it prints one
JSON line: {"substitution_id": ..., "assignment_id": ...}.
"""

import json
import sys
import uuid
from http import HTTPStatus

from dutydesk_client import AuthenticatedClient, Client
from dutydesk_client.api.auth import login
from dutydesk_client.api.rosters import get_roster
from dutydesk_client.api.substitutions import list_substitutions, propose_substitution
from dutydesk_client.models import (
    LoginRequest,
    PageSubstitutionView,
    Problem,
    RosterDetail,
    SubstitutionRequest,
    SubstitutionStatus,
    SubstitutionView,
    TokenResponse,
)


def check(cond, what):
    if not cond:
        print(f"scenario failed: {what}", file=sys.stderr)
        sys.exit(1)


def main(base, center, employee_no, password, roster_id, substitute_id):
    anonymous = Client(base_url=base, raise_on_unexpected_status=True)

    # A wrong password comes back as the declared problem, parsed.
    r = login.sync_detailed(
        client=anonymous,
        body=LoginRequest(center_code=center, employee_no=employee_no, password=password + "x"),
    )
    check(r.status_code == HTTPStatus.UNAUTHORIZED, f"wrong password: {r.status_code}")
    check(isinstance(r.parsed, Problem), f"wrong password parsed as {type(r.parsed)}")

    r = login.sync_detailed(
        client=anonymous,
        body=LoginRequest(center_code=center, employee_no=employee_no, password=password),
    )
    check(r.status_code == HTTPStatus.OK, f"login: {r.status_code} {r.content!r}")
    tokens = r.parsed
    check(isinstance(tokens, TokenResponse), f"login parsed as {type(tokens)}")
    check(tokens.token_type == "Bearer", f"token_type {tokens.token_type}")
    me = tokens.user.id
    client = AuthenticatedClient(base_url=base, token=tokens.access_token, raise_on_unexpected_status=True)

    r = get_roster.sync_detailed(uuid.UUID(roster_id), client=client)
    check(r.status_code == HTTPStatus.OK, f"roster: {r.status_code} {r.content!r}")
    roster = r.parsed
    check(isinstance(roster, RosterDetail), f"roster parsed as {type(roster)}")
    check(str(roster.id) == roster_id, "roster id")
    check(roster.status.value == "published", f"roster status {roster.status}")
    mine = [a for a in roster.assignments if a.staff_id == me]
    check(mine, "a duty of the caller's in the roster")
    duty = mine[0]
    check(duty.staff_name, "the duty names its supervisor")

    body = SubstitutionRequest(
        assignment_id=duty.id, substitute_id=uuid.UUID(substitute_id), reason="家中有事"
    )
    key = str(uuid.uuid4())
    r = propose_substitution.sync_detailed(client=client, body=body, idempotency_key=key)
    check(r.status_code == HTTPStatus.CREATED, f"propose: {r.status_code} {r.content!r}")
    s = r.parsed
    check(isinstance(s, SubstitutionView), f"proposal parsed as {type(s)}")
    check(s.assignment_id == duty.id, "substitution's assignment")
    check(s.original_staff_id == me, "substitution's original supervisor")
    check(str(s.substitute_id) == substitute_id, "substitution's substitute")
    check(s.status == SubstitutionStatus.PROPOSED, f"substitution status {s.status}")
    check(s.substitute_name, "the substitute's name beside the id")

    # The same key replays the first answer: same substitution, made once.
    r = propose_substitution.sync_detailed(client=client, body=body, idempotency_key=key)
    check(r.status_code == HTTPStatus.CREATED, f"replay: {r.status_code}")
    check(r.headers.get("idempotent-replayed") == "true", "replay header")
    check(r.parsed.id == s.id, "replay answers the same substitution")

    # A list through the generated pagination parameters.
    r = list_substitutions.sync_detailed(client=client, limit=1)
    check(r.status_code == HTTPStatus.OK, f"list: {r.status_code} {r.content!r}")
    page = r.parsed
    check(isinstance(page, PageSubstitutionView), f"list parsed as {type(page)}")
    check([x.id for x in page.items] == [s.id], "the list holds the one substitution")

    print(json.dumps({"substitution_id": str(s.id), "assignment_id": str(duty.id)}))


if __name__ == "__main__":
    check(len(sys.argv) == 7, __doc__)
    main(*sys.argv[1:])
