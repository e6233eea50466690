## (empty)
