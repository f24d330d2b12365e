"""The custody pages' and the shinobi form's reads (services/custody_view.py, services/shinobi_form_view.py) on
both engines: the custodians offered are those the whole-village filter found (the ANBU division now searched in
SQL), and the partner form offers a bounded, searchable list with "more" and a shinobi number field."""
from __future__ import annotations

import re
from datetime import UTC, datetime

from missiondesk.domain.ranks import Classification, ShinobiRank, ShinobiStatus
from missiondesk.services import custody, custody_view, shinobi_form_view
from missiondesk.services.auth import caller_for_username

from .api import Api
from .test_pages_clerk import error_box, post
from .test_web import browser_for

NOW = datetime(2026, 3, 14, 6, 20, tzinfo=UTC)


def _add(tx, name: str, divisions: list[str], status: ShinobiStatus = ShinobiStatus.ACTIVE) -> int:
    sid = tx.shinobi.add(name=name, rank=ShinobiRank.JONIN, clearance=Classification.PUBLIC, divisions=divisions,
                         specialties=[], now=NOW)
    if status is not ShinobiStatus.ACTIVE:
        tx.shinobi.set_status([sid], status)
    return sid


def test_the_custodians_offered_are_those_the_whole_village_filter_found(runtime):
    with runtime.uow.begin(write=True) as tx:
        ids = {
            "anbu": _add(tx, "Kakashi", ["anbu"]),
            "anbu and medic": _add(tx, "Yamato", ["medic", "anbu"]),
            "anbu, fallen": _add(tx, "Fallen", ["anbu"], ShinobiStatus.KIA),
            "anbu, missing": _add(tx, "Missing", ["anbu"], ShinobiStatus.MIA),
            "anbu, detained": _add(tx, "Held", ["anbu"], ShinobiStatus.DETAINED),
            "anbu, retired": _add(tx, "Old", ["anbu"], ShinobiStatus.RETIRED),
            "anbu, away": _add(tx, "Away", ["anbu"], ShinobiStatus.ON_MISSION),
            "a name like it": _add(tx, "Liaison", ["anbu-liaison", "xanbu"]),
            "none": _add(tx, "Iruka", []),
            "medic": _add(tx, "Shizune", ["medic"]),
        }
        tx.commit()
    with runtime.uow.begin(write=False) as tx:
        whole = tuple(s for s in tx.shinobi.list(links=False) if custody.may_hold(s))  # the read it replaced
        offered = custody.candidate_custodians(tx)
        in_division = [s.id for s in tx.shinobi.list_in_division("anbu")]
    assert offered == whole
    assert [s.id for s in offered] == [ids["anbu"], ids["anbu and medic"], ids["anbu, away"]]
    assert ids["a name like it"] not in in_division and ids["anbu, fallen"] in in_division

    hokage = caller_for_username(runtime.uow, "hokage")
    page = custody_view.custody_list(runtime.uow, hokage)
    assert page.may_take and page.candidates == whole and page.detainees == ()


def test_the_partner_offer_is_bounded_searched_by_name_and_leaves_out_the_shinobi_and_their_partners(runtime):
    with runtime.uow.begin(write=True) as tx:
        me = _add(tx, "Rock Lee", [])
        guy = _add(tx, "Might Guy", [])
        tx.shinobi.link_partners(me, guy, NOW)
        people = {name: _add(tx, name, []) for name in
                  ("Hyuga Neji", "Hyuga Hinata", "hyuga hanabi", "Tenten", "Per%cent", "Under_score", "Underscore")}
        tx.commit()
    hokage = caller_for_username(runtime.uow, "hokage")

    def offer(find: str = "", shown: int = 50) -> tuple[list[str], int]:
        v = shinobi_form_view.shinobi_form(runtime.uow, hokage, me, find=find, shown=shown)
        return [p.name for p in v.partners], v.matching

    everyone, n = offer()
    assert "Rock Lee" not in everyone and "Might Guy" not in everyone and n == len(everyone)
    assert set(people) <= set(everyone)
    assert sorted(offer("HYUGA")[0]) == sorted(["Hyuga Neji", "Hyuga Hinata", "hyuga hanabi"])
    assert offer("hyuga")[1] == 3
    assert offer("%") == (["Per%cent"], 1)  # the search's words are words, not patterns
    assert offer("Under_") == (["Under_score"], 1)
    assert offer("Guy") == ([], 0)  # already a partner
    names, matching = offer("hyuga", shown=2)
    assert len(names) == 2 and matching == 3
    v = shinobi_form_view.shinobi_form(runtime.uow, hokage, me)
    assert v.names == {guy: "Might Guy"} and v.twins == frozenset()


def test_the_partner_form_finds_by_name_shows_more_and_takes_a_shinobi_number(app, api: Api):
    lee = api.person("Rock Lee", rank="genin")
    twins = [api.person("Hyuga Twin", rank="genin"), api.person("Hyuga Twin", rank="chunin")]
    many = [api.person(f"Hyuga {i:02d}") for i in range(shinobi_form_view.PARTNERS_SHOWN + 3)]
    clerk = browser_for(app, "clerk")
    page = clerk.get(f"/shinobi/{lee}/edit").text
    options = re.findall(r'<option value="(\d+)">', page)
    assert len(options) == shinobi_form_view.PARTNERS_SHOWN  # not the whole village
    assert 'for="partner-find"' in page and 'for="s-partner-number"' in page and "Show more" in page

    found = clerk.get(f"/shinobi/{lee}/edit", params={"find": "hyuga tw"}).text
    assert sorted(int(i) for i in re.findall(r'<option value="(\d+)">', found)) == sorted(twins)
    for sid in twins:  # the same name twice: told apart by number
        assert f"(no. {sid}, " in found
    assert "Offered: 2 of 2" in found and "Show more" not in found

    first = clerk.get(f"/shinobi/{lee}/edit", params={"find": "Hyuga 0"}).text
    assert "Offered: 10 of 10" in first
    more = re.search(r'href="([^"]+)">Show more', clerk.get(f"/shinobi/{lee}/edit", params={"find": "hyuga"}).text)
    assert more, "more people match than are offered"
    shown_more = clerk.get(more.group(1).replace("&amp;", "&")).text
    assert len(re.findall(r'<option value="(\d+)">', shown_more)) == len(many) + len(twins)

    r = post(clerk, f"/shinobi/{lee}/partners", {"partner_number": str(many[-1])})
    assert r.status_code == 303
    assert api.ok("hokage", "GET", f"/shinobi/{lee}")["partner_ids"] == [many[-1]]
    r = post(clerk, f"/shinobi/{lee}/partners", {"partner_id": str(twins[0]), "partner_number": str(twins[1]),
                                                 "find": "twin"})
    assert r.status_code == 422 and "VALIDATION_ERROR" in error_box(r.text)
    assert 'name="find" type="search" value="twin"' in r.text  # the search kept
    r = post(clerk, f"/shinobi/{lee}/partners", {"partner_id": "", "partner_number": ""})
    assert r.status_code == 422 and "choose a partner" in error_box(r.text)
    r = post(clerk, f"/shinobi/{lee}/partners", {"partner_number": "999999"})
    assert r.status_code == 404
    assert api.ok("hokage", "GET", f"/shinobi/{lee}")["partner_ids"] == [many[-1]]
    page = clerk.get(f"/shinobi/{lee}/edit").text
    assert f'<option value="{many[-1]}">' not in page  # a partner already: not offered again
    assert clerk.get("/shinobi/999999/edit").status_code == 404
    assert browser_for(app, "genin").get(f"/shinobi/{lee}/edit").status_code == 403
