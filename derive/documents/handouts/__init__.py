"""Handouts: a TOML file read and checked, its items derived, its documents written.

``locate`` finds the line of each key and names problems; ``spec`` holds the checked file;
``load`` reads and checks it; ``build`` derives the items and writes the outputs through
``render`` (the templates) and ``outputs`` (locked, all-or-nothing installs).
"""
