"""People on real face photos (LFW, from ../shared): faces found, grouped, named, searched,
corrected, and the corrections kept through re-indexing and a schema upgrade."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.errors import PhotoSearchError, UsageError
from core.library import Library
from core.storage.profile import resolve_profile
from core.storage.schema import MIGRATIONS, SCHEMA_VERSION, _add_faces
from evaluation.faces import LFW_DIR, is_central
from tests.conftest import make_photo, run_index

LFW_MISSING = f"needs the shared LFW face photos in {LFW_DIR}, which is absent"
# Three people who look nothing alike, four photos each: few enough for an in-process pass.
PEOPLE = ("Ariel_Sharon", "Celine_Dion", "Jackie_Chan")


def copy_people(folder: Path, people: tuple[str, ...] = PEOPLE, count: int = 4) -> None:
    if not LFW_DIR.is_dir():
        pytest.skip(LFW_MISSING)
    for person in people:
        (folder / person).mkdir(parents=True)
        for photo in sorted((LFW_DIR / person).glob("*.jpg"))[:count]:
            shutil.copy(photo, folder / person / photo.name)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(photos, profile) of a library of PEOPLE, indexed once with faces: copy the profile."""
    root = tmp_path_factory.mktemp("people")
    copy_people(root / "photos")
    library = Library(resolve_profile(root / "profile"))
    library.add_folder(root / "photos")
    run_index(library)
    library.close()
    return root / "photos", root / "profile"


@pytest.fixture
def lib(indexed: tuple[Path, Path], tmp_path: Path) -> Iterator[Library]:
    shutil.copytree(indexed[1], tmp_path / "profile")
    library = Library(resolve_profile(tmp_path / "profile"))
    yield library
    library.close()


def person_of(library: Library, photo: Path) -> int:
    """The person of the central (labelled) face of an LFW photo."""
    faces = [f for f in library.people.faces_in(photo) if is_central(f.box)]
    assert faces and faces[0].person_id is not None
    return faces[0].person_id


def paths_of(library: Library, person_id: int) -> set[str]:
    return {p.path for p in library.people.get(person_id).photos}


def test_every_photo_has_its_face_found_where_it_is(lib: Library, indexed: tuple[Path, Path]):
    photos = sorted(indexed[0].rglob("*.jpg"))
    for photo in photos:
        faces = lib.people.faces_in(photo)
        central = [f for f in faces if is_central(f.box)]
        assert len(central) == 1, photo
        _, _, w, h = central[0].box
        assert 60 <= w <= 160 and 60 <= h <= 160  # LFW faces fill ~100 px of the 250 px crop


def test_people_are_listed_largest_first_and_never_mix_two_people(lib: Library):
    people = lib.people.all()
    counts = [p.photo_count for p in people]
    assert counts == sorted(counts, reverse=True)
    for p in people:
        assert len({Path(ph.path).parent.name for ph in p.photos}) == 1
        assert p.name is None and p.label == f"Person {p.id}"
    # Each person's photos mostly land in one group.
    for person in PEOPLE:
        biggest = max(
            sum(1 for ph in p.photos if Path(ph.path).parent.name == person) for p in people
        )
        assert biggest >= 3


def test_a_named_person_is_found_by_search_alone_and_with_words(
    lib: Library, indexed: tuple[Path, Path]
):
    photo = sorted((indexed[0] / "Celine_Dion").glob("*.jpg"))[0]
    celine = person_of(lib, photo)
    lib.people.name(celine, "Celine  Dion")
    assert lib.people.get(celine).name == "Celine Dion"
    result = lib.search(["celine", "dion"], k=50)
    assert result.terms == ["person: Celine Dion"]
    found = {h.path for h in result.hits}
    assert str(photo) in found and found == paths_of(lib, celine)
    # Every term must fit: the words only rank Celine's photos.
    with_words = lib.search(["Celine", "Dion", "woman"], k=50)
    assert {h.path for h in with_words.hits} <= found and with_words.words == ["woman"]
    # Not Celine: none of her photos.
    without = lib.search(["woman", "-celine-dion"], k=50)
    assert without.terms == ["-person: Celine Dion"]
    assert not {h.path for h in without.hits} & found


def test_a_look_alike_grouped_with_a_named_person_is_not_returned_for_the_name(
    lib: Library, indexed: tuple[Path, Path]
):
    ariel_photo = sorted((indexed[0] / "Ariel_Sharon").glob("*.jpg"))[0]
    ariel = person_of(lib, ariel_photo)
    jackie = person_of(lib, sorted((indexed[0] / "Jackie_Chan").glob("*.jpg"))[0])
    # Grouping went wrong (as with look-alikes): Jackie's faces are in Ariel's person.
    lib.people.store.merge(ariel, jackie)
    lib.people.name(ariel, "Ariel", photo=ariel_photo)
    found = {h.path for h in lib.search(["ariel"], k=50).hits}
    assert found == {str(p) for p in (indexed[0] / "Ariel_Sharon").glob("*.jpg")}
    # Held back, not lost: the person still lists every face, for the user to correct.
    listed = lib.people.get(ariel)
    assert paths_of(lib, ariel) > found
    assert listed.held_back == listed.photo_count - len(found) > 0
    assert listed.to_json()["held_back"] == listed.held_back
    with pytest.raises(PhotoSearchError, match="has no face in"):
        lib.people.name(ariel, "Ariel", photo=indexed[0] / "Celine_Dion" / "x.jpg")


def test_yes_to_a_held_back_face_puts_its_photo_in_the_names_search(
    lib: Library, indexed: tuple[Path, Path]
):
    ariel_photo = sorted((indexed[0] / "Ariel_Sharon").glob("*.jpg"))[0]
    jackie_photo = sorted((indexed[0] / "Jackie_Chan").glob("*.jpg"))[0]
    ariel = person_of(lib, ariel_photo)
    lib.people.store.merge(ariel, person_of(lib, jackie_photo))  # grouping went wrong
    lib.people.name(ariel, "Ariel", photo=ariel_photo)
    held = lib.people.held_back_photos(ariel)
    jackie_ids = {lib.catalog.photo_by_path(p).id for p in (indexed[0] / "Jackie_Chan").glob("*")}
    assert held == jackie_ids
    assert [f.held_back for f in lib.people.faces_in(jackie_photo) if is_central(f.box)] == [True]
    assert not any(f.held_back for f in lib.people.faces_in(ariel_photo))
    # The user says yes: it is Ariel after all. The photo is searched for by the name now.
    person = lib.people.confirm(jackie_photo, ariel)
    assert str(jackie_photo) in {h.path for h in lib.search(["ariel"], k=50).hits}
    assert person.held_back < len(held)
    assert not any(f.held_back for f in lib.people.faces_in(jackie_photo))
    with pytest.raises(PhotoSearchError, match="has no face in"):
        lib.people.confirm(indexed[0] / "Celine_Dion" / "x.jpg", ariel)


def test_a_named_person_is_pictured_by_the_face_they_were_named_from(
    lib: Library, indexed: tuple[Path, Path]
):
    ariel_photo = sorted((indexed[0] / "Ariel_Sharon").glob("*.jpg"))[0]
    jackie_photo = sorted((indexed[0] / "Jackie_Chan").glob("*.jpg"))[1]
    jackie = person_of(lib, jackie_photo)
    lib.people.store.merge(jackie, person_of(lib, ariel_photo))  # Ariel's faces sort first
    lib.people.name(jackie, "Jackie", photo=jackie_photo)
    listed = next(p for p in lib.people.all(max_photos=1) if p.id == jackie)
    assert listed.photos[0].path == str(jackie_photo)  # the People list's picture of Jackie


def test_two_named_people_need_both_in_the_photo(lib: Library, indexed: tuple[Path, Path]):
    a = person_of(lib, sorted((indexed[0] / "Ariel_Sharon").glob("*.jpg"))[0])
    b = person_of(lib, sorted((indexed[0] / "Jackie_Chan").glob("*.jpg"))[0])
    lib.people.name(a, "Ariel")
    lib.people.name(b, "Jackie")
    assert lib.search(["ariel", "jackie"]).hits == []
    assert len(lib.search(["ariel"]).hits) >= 3


def test_a_name_that_is_also_a_word_means_the_person_and_says_so(
    lib: Library, indexed: tuple[Path, Path]
):
    celine = person_of(lib, sorted((indexed[0] / "Celine_Dion").glob("*.jpg"))[0])
    lib.people.name(celine, "Rose")
    result = lib.search(["rose"])
    assert result.terms == ["person: Rose, not the word"] and result.words == []
    assert {h.path for h in result.hits} == paths_of(lib, celine)


def test_names_and_ids_are_checked(lib: Library):
    first, second = lib.people.all()[:2]
    lib.people.name(first.id, "Anna")
    with pytest.raises(PhotoSearchError, match="already called"):
        lib.people.name(second.id, "anna")
    with pytest.raises(PhotoSearchError, match="no person with id 9999"):
        lib.people.name(9999, "Bob")
    with pytest.raises(UsageError):
        lib.people.merge(first.id, first.id)


def test_merge_makes_one_person_with_every_photo_and_the_name(lib: Library):
    first, second = lib.people.all()[:2]
    lib.people.name(second.id, "Both")
    merged = lib.people.merge(first.id, second.id)
    assert merged.name == "Both" and merged.photo_count == first.photo_count + second.photo_count
    assert second.id not in {p.id for p in lib.people.all()}


def test_not_this_person_survives_regrouping_and_reindexing(
    lib: Library, indexed: tuple[Path, Path]
):
    photo = sorted((indexed[0] / "Jackie_Chan").glob("*.jpg"))[0]
    jackie = person_of(lib, photo)
    lib.people.name(jackie, "Jackie")
    lib.people.remove_face(photo, jackie)
    assert str(photo) not in paths_of(lib, jackie)
    assert person_of(lib, photo) != jackie  # grouped again at once, elsewhere
    with pytest.raises(PhotoSearchError, match="has no face in"):
        lib.people.remove_face(photo, jackie)
    # The photo is touched (same content): re-indexing keeps its row, faces and corrections.
    os.utime(photo)
    summary = run_index(lib)
    assert summary.faces is not None and summary.faces["photos"] == 0
    assert str(photo) not in paths_of(lib, jackie)
    assert person_of(lib, photo) != jackie  # it got a person of its own
    assert lib.people.get(jackie).name == "Jackie"


def test_corrections_outlive_an_edit_of_the_photo(lib: Library, indexed: tuple[Path, Path]):
    """An edited photo is a new file to the catalog, and its faces are found again; the face
    the user named Jackie from stays hers, and the one they said is not her stays out."""
    from PIL import Image, ImageEnhance

    from core.storage.faces import CONFIRMED

    named_from, not_her = sorted((indexed[0] / "Jackie_Chan").glob("*.jpg"))[:2]
    jackie = person_of(lib, named_from)
    lib.people.name(jackie, "Jackie", photo=named_from)
    lib.people.remove_face(not_her, jackie)
    for photo in (named_from, not_her):  # brightened and saved again, as an editor would
        with Image.open(photo) as im:
            ImageEnhance.Brightness(im.convert("RGB")).enhance(1.15).save(photo, quality=90)
    summary = run_index(lib)
    assert summary.updated == 2 and summary.faces is not None and summary.faces["photos"] == 2
    central = next(f for f in lib.people.faces_in(named_from) if is_central(f.box))
    assert central.person_id == jackie and central.flags & CONFIRMED
    assert person_of(lib, not_her) != jackie
    found = {h.path for h in lib.search(["jackie"], k=50).hits}
    assert str(named_from) in found and str(not_her) not in found
    remembered = lib.catalog.conn.execute("SELECT count(*) FROM face_memory").fetchone()[0]
    assert remembered == 0  # given back, not kept


def test_hidden_people_leave_the_list_but_keep_their_faces(lib: Library):
    person = lib.people.all()[0]
    lib.people.hide(person.id)
    assert person.id not in {p.id for p in lib.people.all()}
    assert person.id in {p.id for p in lib.people.all(include_hidden=True)}
    lib.people.hide(person.id, False)
    assert person.id in {p.id for p in lib.people.all()}


def test_a_moved_photo_keeps_its_faces_and_a_changed_one_is_looked_at_again(tmp_path: Path):
    copy_people(tmp_path / "photos", PEOPLE[:2], 3)
    library = Library(resolve_profile(tmp_path / "profile"))
    library.add_folder(tmp_path / "photos")
    run_index(library)
    photo = sorted((tmp_path / "photos" / PEOPLE[0]).glob("*.jpg"))[0]
    person = person_of(library, photo)
    library.people.name(person, "Ariel")
    moved = tmp_path / "photos" / "moved.jpg"
    photo.rename(moved)
    summary = run_index(library)
    assert summary.moved == 1 and summary.faces["photos"] == 0
    assert person_of(library, moved) == person
    changed = sorted((tmp_path / "photos" / PEOPLE[1]).glob("*.jpg"))[0]
    make_photo(changed, 7, (250, 250))  # now a photo without a face
    summary = run_index(library)
    assert summary.faces["photos"] == 1 and library.people.faces_in(changed) == []
    library.close()


def test_an_older_catalog_gains_the_face_tables_and_then_faces(tmp_path: Path):
    copy_people(tmp_path / "photos", PEOPLE[:1], 2)
    profile = resolve_profile(tmp_path / "profile")
    library = Library(profile)
    library.add_folder(tmp_path / "photos")
    summary = _index(library, faces=False)
    assert summary.faces is None and library.people.all() == []
    library.close()
    conn = sqlite3.connect(profile.catalog_path)
    conn.executescript(  # as a catalog from before the face tables (and their memory)
        "DROP TRIGGER faces_remembered; DROP TABLE face_memory; DROP TABLE face_rejections; "
        "DROP TABLE face_scans; DROP TABLE faces; DROP TABLE persons;"
        f"PRAGMA user_version = {MIGRATIONS.index(_add_faces)};"
    )
    conn.close()
    upgraded = Library(profile)
    assert upgraded.catalog.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    summary = run_index(upgraded)
    assert summary.unchanged == 2 and summary.faces["photos"] == 2
    assert sum(p.photo_count for p in upgraded.people.all()) == 2
    upgraded.close()


def test_turning_face_recognition_off_deletes_every_face_and_name(lib: Library, tmp_path: Path):
    from PIL import Image, ImageEnhance

    anna = lib.people.all()[0]
    lib.people.name(anna.id, "Anna")
    named_from = Path(lib.people.get(anna.id).photos[0].path)
    with Image.open(named_from) as im:  # edited: her confirmed face is remembered by path
        ImageEnhance.Brightness(im.convert("RGB")).enhance(1.15).save(named_from, quality=90)
    _index(lib, faces=False)
    memory = "SELECT count(*) FROM face_memory"
    assert lib.catalog.conn.execute(memory).fetchone()[0] == 1
    lib.people.set_enabled(False)
    assert lib.people.counts() == {"faces": 0, "grouped": 0, "people": 0}
    assert lib.catalog.conn.execute(memory).fetchone()[0] == 0
    assert lib.search(["anna", "woman"]).terms == []
    summary = run_index(lib)
    assert summary.faces is None and lib.people.counts()["faces"] == 0
    catalog = (tmp_path / "profile" / "catalog.sqlite3").read_bytes()
    assert b"Anna" not in catalog  # secure delete: the name is not left in free pages
    again = Library(resolve_profile(tmp_path / "profile"))  # the setting is saved
    assert not again.people.enabled
    again.people.set_enabled(True)
    summary = run_index(again)
    assert summary.faces["photos"] == 12 and again.people.counts()["faces"] >= 12
    again.close()


def _index(library: Library, faces: bool) -> Any:
    run = library.index(faces=faces)
    while True:
        try:
            next(run)
        except StopIteration as stop:
            return stop.value


def test_a_stopped_face_pass_keeps_what_it_stored_and_the_next_run_does_the_rest(
    indexed: tuple[Path, Path], tmp_path: Path
):
    photos, _ = indexed
    library = Library(resolve_profile(tmp_path / "profile"))
    library.add_folder(photos)
    run = library.index()
    while getattr(next(run), "phase", "") != "faces":
        pass
    run.close()  # as Ctrl-C or Cancel does; a kill -9 loses the same batch in flight
    kept = library.people.counts()["faces"]
    assert 0 < kept < 12
    summary = run_index(library)
    assert summary.unchanged == 12 and 0 < summary.faces["photos"] < 12
    assert library.people.counts()["faces"] >= 12
    library.close()


def test_faces_and_names_leave_the_search_indexes_fresh(lib: Library):
    # The face pass ran after the indexes were built: they must still be current.
    assert lib.class_evidence.fresh() and lib.feature_cache.load() is not None
    generation = lib.catalog.generation()
    first = lib.people.all()[0]
    lib.people.name(first.id, "Anna")
    lib.people.hide(first.id)
    assert lib.catalog.generation() == generation
