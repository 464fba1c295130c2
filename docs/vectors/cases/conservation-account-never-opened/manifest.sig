commons-ledger export manifest
vectors.commons-ledger.local/spec
26
i/SpetRDpTSC+p/vziiDUU6ZewRxr1Nzhu0WRuNitRU=
c140e4ea4cba97db9387e135bc94949640cfe842db7d5b52401332d8441d7e9e

— vectors.commons-ledger.local/spec Z+v+gPARJD1EI5IjLeEYGmTX4+Um+7JGX8yTSXf4x2Qv8CHBWr5LoXOknglXdM1jBJKyG66MFUZ3e/+G7RpPxDjwewM=
