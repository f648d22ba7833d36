//! Runs a few guest instructions on the ptrace platform: syscalls stop before the host
//! runs them, faults come back as `Stop::Fault`, and interrupts work across threads.

use std::sync::Arc;

use veil_memmap::MemoryFile;
use veil_platform::ptrace::PtracePlatform;
use veil_platform::{Platform, Prot, Registers, Stop};

const CODE_ADDR: u64 = 0x40_0000;
const DATA_ADDR: u64 = 0x50_0000;

// mov eax, 39; syscall; mov rdi, [0x500000]; mov eax, 60; syscall; jmp $
const CODE: &[u8] = &[
    0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0x48, 0x8b, 0x3c, 0x25, 0x00, 0x00, 0x50, 0x00, 0xb8, 60, 0, 0,
    0, 0x0f, 0x05, 0xeb, 0xfe,
];

#[test]
fn syscalls_and_faults_stop_in_the_sentry() {
    let mf = MemoryFile::new(1 << 30).unwrap();
    let platform = PtracePlatform::new(mf.fd()).unwrap();
    let space = platform.new_address_space().unwrap();
    let mut ctx = platform.new_context().unwrap();
    let code = mf.allocate(4096).unwrap();
    mf.write(code.start, CODE);
    space
        .map_file(
            CODE_ADDR,
            4096,
            code.start,
            Prot {
                read: true,
                write: false,
                execute: true,
            },
        )
        .unwrap();

    let mut regs = Registers::new_user(CODE_ADDR, 0);
    assert!(matches!(
        ctx.switch(&space, &mut regs).unwrap(),
        Stop::Syscall
    ));
    assert_eq!(regs.syscall_nr(), 39);
    regs.set_return(1);

    match ctx.switch(&space, &mut regs).unwrap() {
        Stop::Fault { addr, .. } => assert_eq!(addr, DATA_ADDR),
        other => panic!("expected a fault, got {other:?}"),
    }
    let data = mf.allocate(4096).unwrap();
    mf.write(data.start, &0x1234u64.to_le_bytes());
    space
        .map_file(
            DATA_ADDR,
            4096,
            data.start,
            Prot {
                read: true,
                write: true,
                execute: false,
            },
        )
        .unwrap();

    assert!(matches!(
        ctx.switch(&space, &mut regs).unwrap(),
        Stop::Syscall
    ));
    assert_eq!(regs.syscall_nr(), 60);
    assert_eq!(
        regs.syscall_args()[0],
        0x1234,
        "the guest read the page the sentry wrote"
    );

    // An interrupt from another thread stops the spinning guest.
    regs.set_return(0);
    let irq = ctx.interrupter();
    let t = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        irq.interrupt();
    });
    assert!(matches!(
        ctx.switch(&space, &mut regs).unwrap(),
        Stop::Interrupted
    ));
    t.join().unwrap();
    let _ = Arc::strong_count(&space);
}

#[test]
fn a_second_thread_shares_the_address_space() {
    let mf = Arc::new(MemoryFile::new(1 << 30).unwrap());
    let platform = Arc::new(PtracePlatform::new(mf.fd()).unwrap());
    let space = platform.new_address_space().unwrap();
    let code = mf.allocate(4096).unwrap();
    mf.write(code.start, CODE);
    space
        .map_file(
            CODE_ADDR,
            4096,
            code.start,
            Prot {
                read: true,
                write: false,
                execute: true,
            },
        )
        .unwrap();
    let (p2, s2) = (platform.clone(), space.clone());
    let handle = std::thread::spawn(move || {
        let mut ctx = p2.new_context().unwrap();
        let mut regs = Registers::new_user(CODE_ADDR, 0);
        assert!(matches!(ctx.switch(&s2, &mut regs).unwrap(), Stop::Syscall));
        regs.syscall_nr()
    });
    assert_eq!(handle.join().unwrap(), 39);
}
