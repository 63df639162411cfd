#!/usr/bin/env python3
"""One training step of the Signum-Dense sort model in PyTorch, mirroring Dab's SortTrainer.Step().

Model (design.md section 5.1): Linear(T,128) Tanh Linear(128,128) Tanh Linear(128,latent) Tanh
-> DAB(signum with margin 0.5; surrogate Linear(latent,128) Tanh Linear(128,128) Tanh Linear(128,latent))
-> Linear(latent, T*T) viewed as (B, T classes, T positions).
Loss: per sample, the sum over positions of the cross-entropy, averaged over the batch, plus
gamma * mean over the batch of sum over features (soft - hard)^2. Adam, fresh U(0,1) batches.

Gradient routing exactly as Dab.Models.DabLayer: the forward value is the hard signum; the task
gradient reaching it is sent to the encoder through the surrogate's Jacobian only
(autograd.grad(soft, xs, g)), never to the surrogate's parameters; the bridge loss sees a detached
copy of the encoder output, so it trains the surrogate only.

Prints one JSON object: ms_per_step (mean), ms_per_step_best, ms_per_step_median, samples_per_second,
threads, device.
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class HardWithSurrogateGrad(torch.autograd.Function):
    """Forward: the hard value. Backward: J_soft(xs)^T g, sent to x (the graph of soft is kept)."""

    @staticmethod
    def forward(ctx, x, hard, soft, xs):
        ctx.soft, ctx.xs = soft, xs
        return hard

    @staticmethod
    def backward(ctx, g):
        with torch.enable_grad():
            (gx,) = torch.autograd.grad(ctx.soft, ctx.xs, g, retain_graph=True)
        return gx, None, None, None


class SignumDense(nn.Module):
    def __init__(self, t, latent=256, hidden=128, gamma=10.0, margin=0.5):
        super().__init__()
        self.t, self.gamma, self.margin = t, gamma, margin
        self.encoder = nn.Sequential(nn.Linear(t, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
                                     nn.Linear(hidden, latent), nn.Tanh())
        self.surrogate = nn.Sequential(nn.Linear(latent, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
                                       nn.Linear(hidden, latent))
        self.head = nn.Linear(latent, t * t)

    def forward(self, x):
        h = self.encoder(x)
        with torch.no_grad():
            hard = (h > self.margin).float() - (h < -self.margin).float()
        xs = h.detach().requires_grad_()          # the surrogate's stand-in for h: the bridge loss stops here
        soft = self.surrogate(xs)
        z = HardWithSurrogateGrad.apply(h, hard, soft, xs)
        bridge = ((soft - hard) ** 2).sum(1).mean() * self.gamma
        return self.head(z).view(x.shape[0], self.t, self.t), bridge


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--length", type=int, default=10)
    p.add_argument("--batch", type=int, default=1024)
    p.add_argument("--latent", type=int, default=256)
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    model = SignumDense(a.length, a.latent)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    b, t = a.batch, a.length

    def step():
        x = torch.rand(b, t)
        y = torch.argsort(x, dim=1)                               # class index of each position
        logits, bridge = model(x)                                 # (B, T classes, T positions)
        task = F.cross_entropy(logits, y, reduction="none").sum(1).mean()
        loss = task + bridge
        opt.zero_grad(set_to_none=False)
        loss.backward()
        opt.step()
        acc = (logits.argmax(1) == y).all(1).float().mean().item()
        return task.item(), bridge.item(), acc

    for _ in range(a.warmup):
        step()
    times = []
    start = time.perf_counter()
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
    mean = (time.perf_counter() - start) * 1000 / a.steps
    print(json.dumps({
        "benchmark": "sort-step", "framework": f"pytorch {torch.__version__}", "model": "signum-dense",
        "length": t, "batch": b, "latent": a.latent, "steps": a.steps, "warmup": a.warmup,
        "ms_per_step": round(mean, 4), "ms_per_step_best": round(min(times), 4),
        "ms_per_step_median": round(statistics.median(times), 4),
        "samples_per_second": round(b * 1000 / mean, 1), "threads": torch.get_num_threads(), "device": "cpu",
    }))


if __name__ == "__main__":
    main()
