"""The naming rule on landmark positions, and place names folded as people type them."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from core.places.geocoder import Geocoder
from core.places.names import fold
from core.storage.places import PlaceNames
from evaluation.places import HELDOUT_PATH, LANDMARKS_PATH, score_landmarks


@pytest.fixture(scope="module")
def geocoder() -> Geocoder:
    return Geocoder()


def test_central_paris_and_central_reykjavik_read_as_their_cities(geocoder: Geocoder) -> None:
    # The nearest town to the Eiffel Tower is Neuilly-sur-Seine; to the harbour, Seltjarnarnes.
    assert geocoder.nearest(48.8584, 2.2945, 1)[0].name != "Paris"
    assert geocoder.name(48.8584, 2.2945) == PlaceNames("Paris", "Île-de-France", "France")
    assert geocoder.name(64.1417, -21.9266) == PlaceNames("Reykjavík", "Capital Region", "Iceland")
    harbour = geocoder.name(64.1500, -21.9400)
    assert harbour is not None and harbour.city == "Reykjavík"


def test_the_finer_name_is_kept_as_the_district(geocoder: Geocoder) -> None:
    times_square = geocoder.name(40.7580, -73.9855)
    assert times_square == PlaceNames("New York City", "New York", "United States", "Times Square")
    opera = geocoder.name(-33.8568, 151.2153)
    assert opera == PlaceNames("Sydney", "New South Wales", "Australia", "The Rocks")
    # A town 3.4 km away is no district of the Eiffel Tower.
    eiffel = geocoder.name(48.8584, 2.2945)
    assert eiffel is not None and eiffel.district is None


def test_towns_beside_a_big_city_keep_their_name(geocoder: Geocoder) -> None:
    versailles = geocoder.name(48.8049, 2.1204)
    newark = geocoder.name(40.7343, -74.1642)
    assert versailles is not None and versailles.city == "Versailles"
    assert newark is not None and (newark.city, newark.region) == ("Newark", "New Jersey")


def test_a_tiny_country_next_door_does_not_claim_the_city_around_it(geocoder: Geocoder) -> None:
    # Vatican City's point is the nearest town to the Pantheon, 1.9 km away.
    assert geocoder.nearest(41.8986, 12.4769, 1)[0].name == "Vatican City"
    assert geocoder.name(41.8986, 12.4769) == PlaceNames("Rome", "Lazio", "Italy")
    st_peters = geocoder.name(41.9022, 12.4539)
    assert st_peters is not None and st_peters.country == "Vatican City"


def test_no_town_near_is_no_place(geocoder: Geocoder) -> None:
    assert geocoder.name(30.0, -40.0) is None  # mid-Atlantic
    assert geocoder.name(-60.0, -120.0) is None  # Southern Ocean
    assert geocoder.name(float("nan"), 10.0) is None


def test_the_landmark_list_comes_out_right_nine_times_in_ten(geocoder: Geocoder) -> None:
    with open(LANDMARKS_PATH, encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) >= 40
    for path in (LANDMARKS_PATH, HELDOUT_PATH):
        results = score_landmarks(geocoder, fold, path)
        right = sum(r.right for r in results)
        assert right >= 0.9 * len(results), [r for r in results if not r.right]


def test_names_fold_case_accents_and_punctuation() -> None:
    assert fold("São Paulo") == fold("sao paulo") == "sao paulo"
    assert fold("Reykjavík") == "reykjavik"
    assert fold("Île-de-France") == "ile de france"
    assert fold("Hafnarfjörður") == "hafnarfjordur"
    assert fold("København") == "kobenhavn"
    assert fold("Hell’s Kitchen") == "hell's kitchen"
    assert fold("  NEW   york ") == "new york"


def test_the_compact_copy_in_the_cache_names_the_same_and_a_damaged_one_is_rebuilt(
    tmp_path: Path,
) -> None:
    first = Geocoder(tmp_path)
    eiffel = first.name(48.8584, 2.2945)
    (copy,) = tmp_path.glob("geonames-towns-*.npz")
    again = Geocoder(tmp_path)
    assert again.name(48.8584, 2.2945) == eiffel
    assert again.name(-33.8568, 151.2153) == first.name(-33.8568, 151.2153)
    copy.write_bytes(b"not a zip file")
    assert Geocoder(tmp_path).name(48.8584, 2.2945) == eiffel
    assert copy.stat().st_size > 1_000_000  # written again
