"""Operations: checking credentials (`doctor`) and cleaning up files and caches (`clean`)."""
