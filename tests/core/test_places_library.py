"""Places in the library: GPS read at index time, kept in the catalog, named, searched."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.errors import PhotoSearchError
from core.library import Library, PhotoHit
from core.media.gps import GpsPoint
from core.places.fill import fill_places
from core.places.geocoder import RULE_VERSION
from core.search.metadata_terms import split_metadata_terms
from core.storage.places import PlaceNames
from core.storage.profile import resolve_profile
from core.storage.schema import MIGRATIONS, SCHEMA_VERSION, _add_places
from tests.conftest import EncoderSpy, run_index
from tests.places_helpers import EIFFEL_TOWER, LOUVRE, PAULISTA, TOKYO_TOWER, with_gps


@pytest.fixture
def travel(pascal_dir: Path, tmp_path: Path) -> Path:
    """Real photos: two in Paris, one in Tokyo, one in São Paulo, one without GPS."""
    folder = tmp_path / "travel"
    folder.mkdir()
    cats = sorted((pascal_dir / "images/cat").glob("*.jpg"))
    dogs = sorted((pascal_dir / "images/dog").glob("*.jpg"))
    with_gps(cats[0], folder / "paris-cat.jpg", EIFFEL_TOWER)
    with_gps(dogs[0], folder / "paris-dog.jpg", LOUVRE)
    with_gps(cats[1], folder / "tokyo-cat.jpg", TOKYO_TOWER)
    with_gps(dogs[1], folder / "sao-paulo-dog.jpg", PAULISTA)
    shutil.copyfile(dogs[2], folder / "home-dog.jpg")
    return folder


def names(hits: Sequence[PhotoHit]) -> list[str]:
    return sorted(os.path.basename(h.path) for h in hits)


def test_an_old_catalog_gains_places_on_the_next_index_without_embedding_again(
    travel: Path, tmp_path: Path, encoder_spy: EncoderSpy
) -> None:
    profile = resolve_profile(tmp_path / "profile")
    library = Library(profile)
    library.add_folder(travel)
    run_index(library)
    photos = library.photos()
    library.close()
    # Back to the schema before places (a later step, if any, runs again: it must not mind).
    step = MIGRATIONS.index(_add_places)
    conn = sqlite3.connect(profile.catalog_path)
    conn.executescript(f"DROP TABLE photo_places; PRAGMA user_version = {step};")
    conn.close()
    embedded = encoder_spy.photos

    upgraded = Library(profile)
    assert upgraded.catalog.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert upgraded.photos() == photos
    assert upgraded.place_tree().countries == []  # not read yet
    summary = run_index(upgraded)
    assert summary.unchanged == 5 and encoder_spy.photos == embedded
    tree = upgraded.place_tree()
    assert [(c.name, c.photos) for c in tree.countries] == [
        ("Brazil", 1),
        ("France", 2),
        ("Japan", 1),
    ]
    france = tree.countries[1]
    assert [(r.name, [(t.name, t.photos) for t in r.children]) for r in france.children] == [
        ("Île-de-France", [("Paris", 2)])
    ]
    assert tree.with_gps == 4
    upgraded.close()


def test_search_by_place_name_alone_with_words_and_negated(travel: Path, library: Library) -> None:
    library.add_folder(travel)
    run_index(library)
    # Reading places after the indexes were built leaves them fresh (no rebuild on the next
    # query): places are not what the search indexes derive from.
    assert library.class_evidence.fresh() and library.joint_index.status()["fresh"]
    paris = library.search(["paris"])
    assert names(paris.hits) == ["paris-cat.jpg", "paris-dog.jpg"]
    assert paris.terms == ["place: Paris, Île-de-France, France"]
    assert all(
        h.place == {"city": "Paris", "region": "Île-de-France", "country": "France"}
        for h in paris.hits
    )
    # Accents and case folded; a multi-word name is one term.
    assert names(library.search(["SAO", "PAULO"]).hits) == ["sao-paulo-dog.jpg"]
    assert names(library.search(["são paulo"]).hits) == ["sao-paulo-dog.jpg"]
    assert names(library.search(["ile-de-france"]).hits) == ["paris-cat.jpg", "paris-dog.jpg"]
    # Every term must fit: the place narrows, the word ranks.
    japan_cat = library.search(["japan", "cat"])
    assert names(japan_cat.hits) == ["tokyo-cat.jpg"] and japan_cat.words == ["cat"]
    assert japan_cat.terms == ["place: Japan"]
    france_dog = library.search(["france dog"], k=1)
    assert names(france_dog.hits) == ["paris-dog.jpg"]
    away = library.search(["dog", "-paris"], k=10)
    assert "paris-dog.jpg" not in names(away.hits) and "home-dog.jpg" in names(away.hits)
    assert away.terms == ["-place: Paris, Île-de-France, France"]
    # A place with no photos is only a word.
    london = library.search(["london"])
    assert london.terms == [] and london.words == ["london"]


def test_a_photo_without_gps_never_gets_a_place(travel: Path, library: Library) -> None:
    library.add_folder(travel)
    run_index(library)
    hits = {os.path.basename(h.path): h for h in library.search(["dog"], k=10).hits}
    assert hits["home-dog.jpg"].place is None
    assert hits["home-dog.jpg"].to_json()["place"] is None
    assert hits["paris-dog.jpg"].to_json()["place"] == {
        "city": "Paris",
        "region": "Île-de-France",
        "country": "France",
    }
    assert library.place_of(travel / "home-dog.jpg") is None
    assert library.place_of(travel / "paris-cat.jpg") == PlaceNames(
        "Paris", "Île-de-France", "France"
    )
    france = library.place_photos("France")
    assert names(france) == ["paris-cat.jpg", "paris-dog.jpg"]
    assert library.place_photos("France", "Île-de-France", "Paris") == france
    assert library.place_photos("Japan", "Tokyo", "Paris") == []
    label, photos = library.photos_at("paris")
    assert label == "Paris, Île-de-France, France"
    assert names(photos) == ["paris-cat.jpg", "paris-dog.jpg"]
    with pytest.raises(PhotoSearchError, match=r"no photo .* place called 'london'"):
        library.photos_at("london")


def test_a_changed_file_is_read_again_and_a_new_rule_renames_without_reading(
    travel: Path, library: Library, pascal_dir: Path
) -> None:
    library.add_folder(travel)
    run_index(library)
    # The photo was geotagged wrongly: the owner moves it to Tokyo.
    with_gps(travel / "paris-dog.jpg", travel / "moved.jpg", TOKYO_TOWER)
    os.replace(travel / "moved.jpg", travel / "paris-dog.jpg")
    run_index(library)
    assert names(library.search(["tokyo"]).hits) == ["paris-dog.jpg", "tokyo-cat.jpg"]
    assert names(library.search(["paris"]).hits) == ["paris-cat.jpg"]

    library.catalog.conn.execute("UPDATE photo_places SET city = 'Nowhere', rule = 0")
    library.catalog.conn.commit()

    def unread(path: Path) -> GpsPoint | None:
        raise AssertionError(f"{path} was read again")

    read = fill_places(library.catalog, library.places.geocoder, read=unread)
    with pytest.raises(StopIteration) as stop:
        next(read)
    assert stop.value.value == 0  # no file read
    rules = library.catalog.conn.execute(
        "SELECT DISTINCT rule FROM photo_places WHERE lat IS NOT NULL"
    )
    assert [r[0] for r in rules] == [RULE_VERSION]
    assert names(library.search(["paris"]).hits) == ["paris-cat.jpg"]


@dataclass(frozen=True)
class Person:
    length: int
    label: str
    ids: frozenset[int]
    kind: str = "person"


class People:
    """A resolver of another kind, as the people room would write one."""

    def match(self, words: Sequence[str], start: int) -> Person | None:
        if list(words[start : start + 2]) == ["alice", "smith"]:
            return Person(2, "Alice Smith", frozenset({1, 2}))
        return None


def test_the_metadata_term_hook_takes_any_kind_of_name() -> None:
    split = split_metadata_terms(["alice smith", "on", "the", "-beach"], [People()])
    assert split.words == ["on", "the", "-beach"]
    assert [t.describe() for t in split.terms] == ["person: Alice Smith"]
    assert split.excluded(frozenset({1, 2, 3})) == {3}
    negated = split_metadata_terms(["-alice", "-smith", "dog"], [People()])
    assert negated.words == ["dog"] and negated.excluded(frozenset({1, 2, 3})) == {1, 2}
    # Half negated is not one name; no match leaves the words as they were.
    assert split_metadata_terms(["alice", "-smith"], [People()]).terms == []
    assert split_metadata_terms(["a  dog"], [People()]).words == ["a  dog"]
