"""The desk names the longest outside the village, not all of them: at village scale some 900 are outside at dawn,
and the desk is a page the hokage reads. It says how many are outside and links the gate page, which pages them
all; the dead and missing are not counted as outside."""
from datetime import timedelta

from sqlalchemy import update

from missiondesk.adapters.db.tables import ShinobiRow
from missiondesk.services.desk_view import AWAY_SHOWN

from ..conftest import BOOT_PASSWORD
from .api import Api
from .test_pages_office import iso
from .test_web import browser_for


def test_the_desk_names_the_longest_outside_and_links_the_rest(app, api: Api, runtime):
    now = api.clock.now()
    out = [api.person(f"Runner {i:02d}") for i in range(AWAY_SHOWN + 3)]
    fallen = api.person("Fallen")
    for k, sid in enumerate(out):  # the first left longest ago
        api.ok("clerk", "POST", "/gate/events", json={"direction": "out", "at": iso(now - timedelta(hours=90 - k)),
                                                       "shinobi_ids": [sid]})
    api.ok("clerk", "POST", "/gate/events", json={"direction": "out", "at": iso(now - timedelta(hours=95)),
                                                   "shinobi_ids": [fallen]})
    with runtime.uow.begin(write=True) as tx:  # killed in action on a mission's report; here, straight
        tx.session.execute(update(ShinobiRow).where(ShinobiRow.id == fallen).values(status="kia"))
        tx.commit()
    text = browser_for(app, "hokage", BOOT_PASSWORD).get("/desk").text
    assert f"Outside the village ({len(out)})" in text
    named = [sid for sid in out if f'href="/shinobi/{sid}"' in text]
    assert named == out[:AWAY_SHOWN]  # the longest away
    assert f'href="/shinobi/{fallen}"' not in text
    assert f'<a href="/gate?where=outside">all {len(out)} outside, on the gate page</a>' in text
