"""Workflows: the code that composes the domain apps around one buyer's request.

A request is reviewed automatically (`review`), approved and paid without a person only when the one
guard allows it (`approval`), and a returned parcel's inspection settles the case (`inspection`). The
apps below know nothing of each other's parts; this layer wires them, and the Allegro integration, the
API and the desk call it.
"""
