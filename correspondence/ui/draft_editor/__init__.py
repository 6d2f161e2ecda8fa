"""The draft editor: one reply built from approved lines and own words, and its sign-off."""
