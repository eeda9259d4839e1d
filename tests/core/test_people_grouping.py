"""Incremental grouping on its own (numpy, no models): who joins whom, and who never does."""

from __future__ import annotations

import numpy as np

from core.people.grouping import JOIN_DISTANCE, NAMED_DISTANCE, Grouper, kept_for_name


def faces_around(centre: np.ndarray, n: int, seed: int, spread: float = 0.3) -> np.ndarray:
    """n faces whose distance to centre is about spread."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(0, spread / np.sqrt(128), (n, 128))
    return (centre + noise).astype(np.float32)


def test_faces_of_two_people_form_two_groups_in_any_order():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1.0 / np.sqrt(128), (2, 128))  # ~1.4 apart: strangers
    faces = np.concatenate([faces_around(a, 10, 1), faces_around(b, 10, 2)])
    order = rng.permutation(20)
    groups = Grouper().assign(faces[order])
    by_face = dict(zip(order.tolist(), groups, strict=True))
    assert len({by_face[i] for i in range(10)}) == 1
    assert len({by_face[i] for i in range(10, 20)}) == 1
    assert by_face[0] != by_face[10] and all(g < 0 for g in groups)  # new people


def test_new_faces_join_stored_people_and_respect_not_this_person():
    rng = np.random.default_rng(3)
    a = rng.normal(0, 1.0 / np.sqrt(128), 128)
    grouper = Grouper()
    grouper.add_faces(7, faces_around(a, 5, 4))
    new = faces_around(a, 2, 5)
    assert grouper.assign(new[:1]) == [7]
    # The user said this face is not person 7: it starts a person of its own.
    assert grouper.assign(new[1:], [frozenset({7})]) == [-1]


def test_existing_people_are_never_merged_by_grouping():
    rng = np.random.default_rng(6)
    a = rng.normal(0, 1.0 / np.sqrt(128), 128)
    grouper = Grouper()
    grouper.add_faces(1, faces_around(a, 3, 7))
    grouper.add_faces(2, faces_around(a, 3, 8))  # the same look, kept apart by the user
    assert len(grouper) == 2
    grouper.assign(faces_around(a, 5, 9))
    assert grouper.ids[:2] == [1, 2] and len(grouper) == 2


def test_a_face_just_past_the_threshold_starts_a_new_person():
    centre = np.zeros(128, np.float32)
    for step, expected in ((0.9, 1), (1.1, -1)):
        grouper = Grouper()
        grouper.add_faces(1, [centre])
        face = centre.copy()
        face[0] = JOIN_DISTANCE * step
        assert grouper.assign(face[None]) == [expected]


def test_many_faces_are_grouped_in_chunks_like_one_at_a_time():
    rng = np.random.default_rng(10)
    centres = rng.normal(0, 1.0 / np.sqrt(128), (50, 128))
    who = rng.integers(0, 50, 3000)
    faces = (centres[who] + rng.normal(0, 0.25 / np.sqrt(128), (3000, 128))).astype(np.float32)
    groups = Grouper().assign(faces)
    assert len(set(groups)) == 50
    pairs = {(int(w), g) for w, g in zip(who, groups, strict=True)}
    assert len(pairs) == 50  # every group is one person


def test_a_person_split_in_two_becomes_one_unless_named_or_kept_apart():
    rng = np.random.default_rng(11)
    a = rng.normal(0, 1.0 / np.sqrt(128), 128)
    grouper = Grouper()
    grouper.add_faces(1, faces_around(a, 4, 12))
    grouper.add_faces(2, faces_around(a, 4, 13))  # the same person, started twice
    grouper.add_faces(3, faces_around(rng.normal(0, 1.0 / np.sqrt(128), 128), 4, 14))
    assert grouper.merges({2}, {1, 2, 3}, set()) == [(1, 2)]
    assert grouper.merges({2}, {2, 3}, set()) == []  # 1 is named (not mergeable)
    assert grouper.merges({2}, {1, 2, 3}, {frozenset((1, 2))}) == []  # the user kept them apart


def test_a_named_person_stands_for_the_faces_near_the_one_they_were_named_from():
    rng = np.random.default_rng(7)
    anna, look_alike = rng.normal(0, 1.0 / np.sqrt(128), (2, 128))
    look_alike = anna + 0.5 * (look_alike - anna) / np.linalg.norm(look_alike - anna)
    faces = np.concatenate([faces_around(anna, 6, 8, 0.2), faces_around(look_alike, 3, 9, 0.2)])
    named_from = np.zeros(len(faces), bool)
    named_from[0] = True
    no_corrections = np.zeros((0, 128), np.float32)
    # Within reach of the face Anna was named from, look-alike or not...
    assert kept_for_name(faces, named_from, no_corrections).all()
    # ...until the user says one of the look-alike's faces is not Anna: the faces nearer that
    # one than Anna's are held back, and Anna's own stay.
    kept = kept_for_name(faces, named_from, faces[6:7])
    assert kept[:6].all() and not kept[6:].any()
    # A face farther than the limit from every confirmed face is held back too.
    far = faces_around(anna, 1, 10, NAMED_DISTANCE + 0.15)
    assert not kept_for_name(
        np.concatenate([faces, far]), np.append(named_from, False), no_corrections
    )[-1]
    # Nothing confirmed (an unnamed person): every face.
    assert kept_for_name(faces, np.zeros(len(faces), bool), faces[6:7]).all()
