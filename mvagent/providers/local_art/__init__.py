"""Drawing for the `local` provider, one module per concern.

vocab    names, synonyms, stable hashes       palette  colours from hex or prompt words
cues     beats and energy per frame           camera   moves and screen<->world maps
canvas   light buffer, splats, tone map        motif    the Motif interface, light shapes
fields / shapes / points   the motifs         motifs   the vocabulary and the backdrop
encode   the ffmpeg pipe (temp file, rename)
"""
