"""The shipped workload zoo: networks defined as PyTorch modules (`cnn`, `transformers`) and the
script that traces them into ``workloads/*.yaml`` (`build`). Importing this package needs no
torch; its modules do."""
