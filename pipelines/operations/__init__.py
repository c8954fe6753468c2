"""Operations: the nightly job, its schedule and the new-file sensor."""
