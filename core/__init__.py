"""The app's engine: no Qt, no TensorFlow. Python, numpy, onnxruntime, Annoy, Pillow, sqlite3,
and for real libraries dlib (faces), rawpy (RAW), PyAV (videos) and reverse-geocode (places).

Rooms, top to bottom; each imports only the rooms below it (import-linter's layers contract
in pyproject.toml holds the order; docs/architecture.md draws it):

    library.py                      the facade the GUI and CLI hold
    search/                         queries: words, look-alikes, tags, and the indexes they read
    browse/  indexing/              browsing by date and folder; the mark-and-sweep scan;
    people/  places/                faces grouped into people; where photos were taken (GPS)
    models/                         the ONNX image encoder, word model, GloVe, ImageNet classes
    vectors/ media/                 vector stores and caches; photo files to pixels, dates, GPS
    storage/                        the profile, settings and the SQLite catalog (the truth)

errors.py and progress.py sit beside them: every room may raise the errors a user can cause
and yield progress records.
"""
