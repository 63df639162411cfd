// Dab's CUDA kernels: one translation unit that includes one header per kernel family from
// kernels/ (design.md 4.5). The CUDA backend that launches them, and the families themselves,
// arrive with the CUDA backend work (issue 3); until then every op runs on the CPU backend,
// which is the reference those kernels will be tested against.
