"""The models: the ONNX image encoder and its manifest, ImageNet classes, GloVe word vectors,
the word filter, the trained word model and the joint image-word spaces.

May import core.vectors, core.media and core.storage. Models load lazily, on first use.
"""
