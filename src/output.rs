//! Standard output for the commands. A reader that has gone away (`gpc-assure serve --list-faults | head`) ends
//! the process quietly, as other command-line tools do; any other failure to write (a full disk, a closed
//! descriptor) stops the process with exit 2 and a sentence on stderr, so a report that never arrived is not
//! taken for a verdict.

use std::io::Write as _;

/// Writes `text` to standard output at once and flushes it.
pub fn print(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let written = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
    if let Err(e) = written {
        fail(&e);
    }
}

/// Writes one line (the formatted arguments and a newline) to standard output and flushes it.
pub fn print_line(args: std::fmt::Arguments<'_>) {
    let mut stdout = std::io::stdout().lock();
    let written = stdout
        .write_fmt(args)
        .and_then(|()| stdout.write_all(b"\n"))
        .and_then(|()| stdout.flush());
    if let Err(e) = written {
        fail(&e);
    }
}

fn fail(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("error: cannot write to standard output: {e}");
    std::process::exit(2);
}
