"""A seeded synthetic marketplace: buyers, offers, orders and the refund requests they open.

`casefiles` builds realistic case documents (checkout forms with customer returns, in Allegro's REST
shapes, comments written the way buyers write them in five languages); `history` simulates a seller's
labelled refund history for developing and evaluating the risk model. The ai app owns it because it
trains on it when a seller has too few decided cases of its own; the emulator, the demo, the benchmarks
and the tests seed their data from it.
"""
