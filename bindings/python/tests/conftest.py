import os
import sys

# meson test sets PYTHONPATH to the built package; running pytest by hand
# from the source tree after `meson compile -C build` works too.
if "KPISCORE_BUILD_ROOT" not in os.environ:
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(os.path.dirname(here)))
    os.environ["KPISCORE_SOURCE_ROOT"] = root
    os.environ["KPISCORE_BUILD_ROOT"] = os.path.join(root, "build")
    sys.path.insert(0, os.path.join(root, "build", "bindings", "python"))
