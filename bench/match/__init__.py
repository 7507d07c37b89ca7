"""`make bench-match`: the matcher's accuracy on data with known truth, and its speed at scale."""
