"""Writes good and malformed .npy files into the directory argv[1]."""
import os
import sys

import numpy as np

d = sys.argv[1]
a = np.arange(4, dtype=np.float32)
np.save(os.path.join(d, "a.npy"), a)
np.save(os.path.join(d, "f64.npy"), a.astype(np.float64))
np.save(os.path.join(d, "shape5.npy"), np.arange(5, dtype=np.float32))
np.save(os.path.join(d, "rank2.npy"), a.reshape(2, 2))
np.save(os.path.join(d, "row.npy"), a.reshape(1, 4) - 1)
np.save(os.path.join(d, "nanrow.npy"), np.array([[0, np.nan, 1, 2]], np.float32))
np.save(os.path.join(d, "fortran.npy"), np.asfortranarray(np.ones((2, 3), np.float32)))
np.save(os.path.join(d, "bigendian.npy"), a.astype(">f4"))
np.save(os.path.join(d, "structured.npy"), np.zeros(4, dtype=[("x", "<f4")]))
with open(os.path.join(d, "a.npy"), "rb") as f:
    good = f.read()
with open(os.path.join(d, "truncated.npy"), "wb") as f:
    f.write(good[:-3])
with open(os.path.join(d, "trailing.npy"), "wb") as f:
    f.write(good + b"xx")
with open(os.path.join(d, "header.npy"), "wb") as f:
    f.write(good[:20])
with open(os.path.join(d, "magic.npy"), "wb") as f:
    f.write(b"PK\x03\x04" + good[4:])
with open(os.path.join(d, "empty.npy"), "wb") as f:
    pass
