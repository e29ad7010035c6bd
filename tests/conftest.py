import os
import sys

# Make tests/helpers.py importable however pytest is invoked.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
