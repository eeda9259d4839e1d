"""The Places tree on its own: countries > regions > cities with counts; a click chooses one."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt

from core.places.service import PlaceNode
from gui.places_tree import PlaceKey, PlacesTree

TREE = [
    PlaceNode("France", 3, [PlaceNode("Île-de-France", 3, [PlaceNode("Paris", 3)])]),
    PlaceNode("Singapore", 1, [PlaceNode(None, 1, [PlaceNode("Singapore", 1)])]),
    PlaceNode(
        "United States",
        2,
        [
            PlaceNode("California", 1, [PlaceNode("San Francisco", 1)]),
            PlaceNode("New York", 1, [PlaceNode("New York City", 1)]),
        ],
    ),
]


def texts(tree: PlacesTree) -> list[str]:
    """Every row's text, indented by its depth."""
    out: list[str] = []

    def walk(parent: QModelIndex, depth: int) -> None:
        model = tree.model
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            out.append("  " * depth + str(index.data()))
            walk(index, depth + 1)

    walk(QModelIndex(), 0)
    return out


def test_countries_regions_and_cities_with_counts(qtbot) -> None:
    tree = PlacesTree()
    qtbot.addWidget(tree)
    assert tree.hint.isVisibleTo(tree) and not tree.view.isVisibleTo(tree)
    tree.set_places(TREE)
    assert texts(tree) == [
        "France  (3)",
        "  Île-de-France  (3)",
        "    Paris  (3)",
        "Singapore  (1)",
        "  Singapore  (1)",  # no region: the city sits under its country
        "United States  (2)",
        "  California  (1)",
        "    San Francisco  (1)",
        "  New York  (1)",
        "    New York City  (1)",
    ]
    assert tree.view.isVisibleTo(tree) and not tree.hint.isVisibleTo(tree)


def test_clicking_a_place_chooses_it_and_a_rebuild_keeps_the_choice(qtbot) -> None:
    tree = PlacesTree()
    qtbot.addWidget(tree)
    tree.set_places(TREE)
    tree.show()
    usa = tree.model.index(2, 0)
    tree.view.expand(usa)
    new_york = tree.model.index(1, 0, usa)
    tree.view.expand(new_york)
    nyc = tree.model.index(0, 0, new_york)
    rect = tree.view.visualRect(nyc)
    with qtbot.waitSignal(tree.place_chosen) as chosen:
        qtbot.mouseClick(tree.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert chosen.args == [PlaceKey("United States", "New York", "New York City")]
    tree.set_places(TREE)  # after an index run
    assert tree.current_place() == PlaceKey("United States", "New York", "New York City")
    assert tree.view.isExpanded(tree.model.index(2, 0))
    tree.clear_choice()
    assert tree.current_place() is None
    with qtbot.waitSignal(tree.place_chosen) as chosen:
        rect = tree.view.visualRect(tree.model.index(0, 0))
        qtbot.mouseClick(tree.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert chosen.args == [PlaceKey("France")]
