// Torch's thread count is process-wide and the resume tests compare runs bit for bit: run tests one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
