//! `/proc/cpuinfo`: one block per CPU the sandbox offers, describing a "Veil virtual
//! CPU" whose flags are the instruction-set features the sentry detects (the guest runs
//! on the host's CPU, so these are what it can use). Nothing comes from the host's
//! `/proc`; no clock rate, cache size or microcode revision is made up.

use std::fmt::Write as _;

/// The model name every CPU reports.
pub const MODEL_NAME: &str = "Veil virtual CPU";

/// The vendor every CPU reports.
pub const VENDOR: &str = "Veil";

/// The `flags` line: Linux's names of the features the CPU has, in Linux's order
/// (`arch/x86/include/asm/cpufeatures.h`).
#[cfg(target_arch = "x86_64")]
pub fn cpu_flags() -> Vec<&'static str> {
    macro_rules! detected {
        ($($linux:literal => $feature:tt),* $(,)?) => {
            [$(($linux, std::is_x86_feature_detected!($feature))),*]
        };
    }
    // The architectural features every x86-64 CPU has (long mode requires them).
    let baseline = [
        "fpu", "tsc", "cx8", "cmov", "clflush", "mmx", "fxsr", "sse", "sse2", "syscall", "nx", "lm",
    ];
    let detected = detected![
        "pni" => "sse3",
        "pclmulqdq" => "pclmulqdq",
        "ssse3" => "ssse3",
        "fma" => "fma",
        "cx16" => "cmpxchg16b",
        "sse4_1" => "sse4.1",
        "sse4_2" => "sse4.2",
        "movbe" => "movbe",
        "popcnt" => "popcnt",
        "aes" => "aes",
        "xsave" => "xsave",
        "avx" => "avx",
        "f16c" => "f16c",
        "rdrand" => "rdrand",
        "abm" => "lzcnt",
        "sse4a" => "sse4a",
        "tbm" => "tbm",
        "bmi1" => "bmi1",
        "avx2" => "avx2",
        "bmi2" => "bmi2",
        "rtm" => "rtm",
        "avx512f" => "avx512f",
        "avx512dq" => "avx512dq",
        "rdseed" => "rdseed",
        "adx" => "adx",
        "avx512ifma" => "avx512ifma",
        "avx512cd" => "avx512cd",
        "sha_ni" => "sha",
        "avx512bw" => "avx512bw",
        "avx512vl" => "avx512vl",
        "xsaveopt" => "xsaveopt",
        "xsavec" => "xsavec",
        "xsaves" => "xsaves",
        "avx512vbmi" => "avx512vbmi",
        "avx512_vbmi2" => "avx512vbmi2",
        "gfni" => "gfni",
        "vaes" => "vaes",
        "vpclmulqdq" => "vpclmulqdq",
        "avx512_vnni" => "avx512vnni",
        "avx512_bitalg" => "avx512bitalg",
        "avx512_vpopcntdq" => "avx512vpopcntdq",
    ];
    let mut flags = baseline.to_vec();
    flags.extend(
        detected
            .iter()
            .filter(|(_, has)| *has)
            .map(|(name, _)| *name),
    );
    flags
}

/// The `flags` line on other architectures: none known.
#[cfg(not(target_arch = "x86_64"))]
pub fn cpu_flags() -> Vec<&'static str> {
    Vec::new()
}

/// `cpuinfo` for `ncpus` CPUs with `flags`, in the layout of Linux's x86
/// `show_cpuinfo` (one block per CPU, each followed by an empty line), all CPUs cores
/// of one package.
pub fn format_cpuinfo(ncpus: usize, flags: &[&str]) -> Vec<u8> {
    let ncpus = ncpus.max(1);
    let flags = flags.join(" ");
    let mut o = String::new();
    for cpu in 0..ncpus {
        let _ = write!(
            o,
            "processor\t: {cpu}\n\
             vendor_id\t: {VENDOR}\n\
             cpu family\t: 6\n\
             model\t\t: 0\n\
             model name\t: {MODEL_NAME}\n\
             stepping\t: 0\n\
             physical id\t: 0\n\
             siblings\t: {ncpus}\n\
             core id\t\t: {cpu}\n\
             cpu cores\t: {ncpus}\n\
             apicid\t\t: {cpu}\n\
             initial apicid\t: {cpu}\n\
             fpu\t\t: yes\n\
             fpu_exception\t: yes\n\
             wp\t\t: yes\n\
             flags\t\t: {flags}\n\
             bugs\t\t:\n\
             clflush size\t: 64\n\
             cache_alignment\t: 64\n\
             power management:\n\n"
        );
    }
    o.into_bytes()
}
