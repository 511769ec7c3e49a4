region="us-east-1"
gpu_counts={a100=8,h100=4}
names = ["a","b"]
