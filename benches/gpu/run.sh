#!/usr/bin/env bash
# Where nst stands against PyTorch on a GPU, within one short device call: run from the
# repository root on the GPU machine, with .gpu-carry/ (benches/gpu/prepare.sh) carried.
#
#   bash benches/gpu/run.sh             # the GPU: 512×384 and 1024×768, PyTorch on CUDA
#   bash benches/gpu/run.sh --dry-run   # here, on lavapipe: 64×48, PyTorch on the CPU
#
# In order, each step in its own process with its own time limit, all within NST_GPU_BUDGET
# seconds (default 480, 3600 for the dry run; a step that does not fit is skipped and the
# table says so):
#   1. the machine: GPU, driver, Vulkan, PyTorch;
#   2. PyTorch's iteration (benches/reference/torch_iteration.py) in FP32, TF32 and AMP f16;
#   3. `nst bench` on wgpu, in f32 then f16: with an empty kernel cache (the first iteration
#      compiles and autotunes), then again from the cache that run filled; the device
#      column names the runtime (wgpu<spirv>/wgpu<wgsl>) and the cooperative matrices;
#   4. after each precision's benches, the default preset in that precision (the dry run:
#      64 px in one scale, 10 iterations); the final losses of f32 and f16 must agree within 2%;
#   5. with a CUDA build (prepare.sh --cuda), step 3 on CUDA.
# NST_GPU_STEPS, a regular expression, runs only the steps whose names it matches (say, to
# rerun one that failed: torch-fp16, bench-wgpu-f16-cold, run-f32, ...).
# CubeCL's autotune choices are logged per step (the fastest kernel per key). $OUT (default
# ./gpu-out) receives table.md, f32.png, f16.png and logs.tar.gz (every step's output).
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD

dry=false
case ${1:-} in
    --dry-run) dry=true ;;
    "") ;;
    *)
        echo "usage: bash benches/gpu/run.sh [--dry-run]" >&2
        exit 2
        ;;
esac
carry=$repo/.gpu-carry
[[ -f $carry/nst.xz && -f $carry/vgg16-f16.npz ]] || {
    echo "run: $carry is missing or incomplete: run benches/gpu/prepare.sh first" >&2
    exit 1
}
python=${PYTHON:-python3}
out=${OUT:-$repo/gpu-out}
$dry && default_budget=3600 || default_budget=480
budget=${NST_GPU_BUDGET:-$default_budget}
deadline=$((SECONDS + budget))
work=$(mktemp -d "${TMPDIR:-/tmp}/nst-gpu.XXXXXX")
logs=$work/logs
mkdir -p "$out" "$logs"

if $dry; then
    # lavapipe compiles every kernel on the CPU: about 3 min before a first iteration, so
    # one small size and each step's time limit ×4.
    sizes=64
    slow=4
    torch_device=(--device cpu --threads "$(nproc)")
    torch_precisions=(fp32)
    # The run at the benches' size in one scale: each new size costs lavapipe minutes of
    # compiling and tuning, which the benches have already paid for 64×48.
    run_args=(--size 64 --multiscale false --iterations 10)
    export VK_DRIVER_FILES=${VK_DRIVER_FILES:-/usr/share/vulkan/icd.d/lvp_icd.x86_64.json}
    export MESA_SHADER_CACHE_DISABLE=true # only nst's kernel cache counts
else
    sizes=512,1024
    torch_device=(--device cuda)
    torch_precisions=(fp32 tf32 fp16)
    run_args=()
    slow=1
fi

# What travels, unpacked: the binary, the weights widened back to float32, and the Vulkan
# loader where the machine has none (into /, as the device's notes advise).
"$python" -c 'import lzma, shutil, sys
with lzma.open(sys.argv[1]) as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)' "$carry/nst.xz" "$work/nst" || exit 1
chmod +x "$work/nst"
"$python" benches/gpu/weights.py unpack "$carry/vgg16-f16.npz" "$work/vgg16.onnx" || exit 1
# (grep reads all of ldconfig's output: with -q, pipefail could see ldconfig's SIGPIPE.)
if ! ldconfig -p | grep 'libvulkan\.so\.1' >/dev/null; then
    debs=("$carry"/debs/*.deb)
    [[ -f ${debs[0]} ]] || {
        echo "run: no Vulkan loader here and none in $carry/debs" >&2
        exit 1
    }
    for deb in "${debs[@]}"; do dpkg -x "$deb" /; done
    ldconfig
fi
if [[ -z ${VK_DRIVER_FILES:-} ]]; then
    for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json \
        /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
        [[ -f $icd ]] && export VK_DRIVER_FILES=$icd && break
    done
fi
export XDG_CACHE_HOME=$work/cache # the kernel cache starts empty
nst=("$work/nst")
weights=(--weights "$work/vgg16.onnx")

# CubeCL reads cubecl.toml from the working folder (nst then leaves its configuration alone):
# the kernel cache where nst keeps it, and each step's autotune choices in that step's log.
cubecl_toml() {
    cat >"$work/cubecl.toml" <<TOML
[autotune.logger]
file = "$logs/$1.autotune.log"
level = "minimal"

[compilation]
cache = true

[environment]
path = { directory = "$XDG_CACHE_HOME/nst/kernels" }
TOML
}

# step NAME SECONDS COMMAND...: runs COMMAND in $work within SECONDS and what is left of the
# budget, its output in logs/NAME.log; records NAME's outcome (ok, failed N, timed out,
# skipped) and wall time in logs/steps.tsv.
step() {
    local name=$1 limit=$2 left status
    shift 2
    if [[ -n ${NST_GPU_STEPS:-} && ! $name =~ $NST_GPU_STEPS ]]; then
        printf '%s\tnot selected (NST_GPU_STEPS)\t0\n' "$name" >>"$logs/steps.tsv"
        return
    fi
    left=$((deadline - SECONDS))
    if ((left < 20)); then
        printf '%s\tskipped (out of time)\t0\n' "$name" >>"$logs/steps.tsv"
        echo "== $name: skipped, out of time"
        return
    fi
    limit=$((limit * slow))
    ((limit > left)) && limit=$left
    cubecl_toml "$name"
    echo "== $name (at most ${limit} s): $*"
    local start=$SECONDS
    (cd "$work" && timeout --kill-after=5 "$limit" "$@") >"$logs/$name.log" 2>&1
    local rc=$?
    case $rc in
        0) status=ok ;;
        124 | 137) status="timed out after ${limit} s" ;;
        *) status="failed (exit $rc)" ;;
    esac
    printf '%s\t%s\t%d\n' "$name" "$status" $((SECONDS - start)) >>"$logs/steps.tsv"
    echo "   $status, $((SECONDS - start)) s"
    tail -n 3 "$logs/$name.log" | sed 's/^/   | /'
}

{
    date -u
    uname -srm
    command -v nvidia-smi >/dev/null &&
        nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1
    command -v vulkaninfo >/dev/null && vulkaninfo --summary 2>&1 | sed -n '/Devices:/,$p'
    echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-}"
    echo "nst features: $(cat "$carry/features")"
    "$python" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda,
        torch.cuda.get_device_name() if torch.cuda.is_available() else "(no GPU)")' 2>&1
} >"$logs/machine.log"
cat "$logs/machine.log"

torch_args=("${torch_device[@]}" --sizes "$sizes" --warmup 2 --iters 5 --json "${weights[@]}")
for precision in "${torch_precisions[@]}"; do
    step "torch-$precision" 120 "$python" "$repo/benches/reference/torch_iteration.py" \
        "${torch_args[@]}" --precision "$precision"
done

bench=(bench --sizes "$sizes" --warmup 2 --samples 5 "${weights[@]}")
backends=(wgpu)
grep -q cuda "$carry/features" && backends+=(cuda)
for backend in "${backends[@]}"; do
    for precision in f32 f16; do
        rm -rf "$XDG_CACHE_HOME/nst/kernels" # cold: nothing compiled or tuned yet
        for cache in cold cached; do
            step "bench-$backend-$precision-$cache" 180 \
                "${nst[@]}" "${bench[@]}" --backend "$backend" --precision "$precision"
        done
        # The run follows its precision's benches, from the kernels they compiled and tuned.
        [[ $backend == wgpu ]] &&
            step "run-$precision" 150 "${nst[@]}" "${weights[@]}" "${run_args[@]}" \
                --backend wgpu --precision "$precision" \
                -o "$work/$precision.png" --log-json "$logs/run-$precision.jsonl"
    done
done

"$python" benches/gpu/table.py "$logs" "$([[ $dry == true ]] && echo dry || echo gpu)" \
    >"$out/table.md"
cp "$work"/f32.png "$work"/f16.png "$out"/ 2>/dev/null
tar -czf "$out/logs.tar.gz" -C "$work" logs
cat "$out/table.md"
echo "run: $out: $(ls "$out" | tr '\n' ' ')"
rm -rf "$work"
