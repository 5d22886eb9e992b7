"""A small retrieval corpus (placeholder: the "files" helper writes the real one, at least
50 documents of real prose with paraphrased questions, under the same names)."""

from __future__ import annotations

DOCUMENTS: list[tuple[str, str]] = [
    (
        "bees.txt",
        "Honey bees communicate the location of flowers through the waggle dance. A forager "
        "returning to the hive runs in a figure of eight; the angle of the straight run "
        "relative to vertical tells her sisters the direction of the food relative to the "
        "sun, and the duration of the waggle encodes the distance. Colonies in temperate "
        "climates survive winter by clustering and shivering their flight muscles to keep "
        "the queen warm.",
    ),
    (
        "bridges.txt",
        "Suspension bridges carry their deck on vertical hangers that hang from two main "
        "cables draped over tall towers. The cables are anchored in massive concrete blocks "
        "at each end, which resist the enormous tension. Engineers learned from the collapse "
        "of the Tacoma Narrows bridge in 1940 that a deck must be stiff against twisting, or "
        "wind can drive it into destructive oscillation.",
    ),
    (
        "sourdough.txt",
        "A sourdough starter is a culture of wild yeast and lactic acid bacteria kept alive "
        "by regular feeding with flour and water. The bacteria produce the acids that give "
        "the bread its tang, while the yeast releases carbon dioxide that leavens the loaf. "
        "A long, cool fermentation overnight in the refrigerator deepens the flavour and "
        "makes the dough easier to shape.",
    ),
    (
        "tides.txt",
        "Ocean tides are caused mainly by the gravitational pull of the moon, with a smaller "
        "contribution from the sun. When the sun and moon line up at new and full moon their "
        "effects add together, producing spring tides with the greatest range; at the "
        "quarter moons they partly cancel, giving the weaker neap tides.",
    ),
    (
        "volcanoes.txt",
        "Shield volcanoes such as those of Hawaii are built from runny basaltic lava that "
        "flows far before it cools, giving them broad, gently sloping flanks. Stratovolcanoes "
        "like Mount Fuji erupt stickier, silica-rich magma that traps gas, so their eruptions "
        "are often explosive and their cones steep, layered with ash and lava.",
    ),
]

QUESTIONS: list[tuple[str, str]] = [
    ("How do worker insects tell the others where nectar can be found?", "bees.txt"),
    ("What keeps the colony's queen alive through the cold months?", "bees.txt"),
    ("Why did a famous span over a strait shake itself apart in the wind?", "bridges.txt"),
    ("What holds the ends of the big cables in place?", "bridges.txt"),
    ("Where does the sour taste of naturally leavened bread come from?", "sourdough.txt"),
    ("Why leave the loaf to rise in the fridge overnight?", "sourdough.txt"),
    ("What makes the sea rise and fall twice a day?", "tides.txt"),
    ("When is the difference between high and low water largest?", "tides.txt"),
    ("Why do some mountains of fire blow up while others ooze?", "volcanoes.txt"),
    ("What kind of lava builds the wide, low volcanoes of Hawaii?", "volcanoes.txt"),
]
