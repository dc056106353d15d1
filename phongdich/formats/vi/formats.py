# Vietnamese writes thousands with a dot (50.570) in groups of three; Django's own Vietnamese formats name the
# separator but not the grouping, so grouped numbers came out as 50570. Everything else is Django's.
NUMBER_GROUPING = 3
