"""Measured figures (medians and ratios against floors measured in the same run)."""
