# perl -e: hashes, regexes, sort, sprintf, file I/O, fork and pipes.
perl -e 'my %h = (one => 1, two => 2, three => 3); print join(",", map { "$_=$h{$_}" } sort keys %h), "\n";'
perl -e '$_ = "The quick brown fox"; my @w = /(\w+)/g; print scalar(@w), " words, longest ", (sort { length($b) <=> length($a) } @w)[0], "\n";'
perl -le 'print sprintf("%.3f %05d %s", 3.14159, 42, uc "perl")'
perl -e 'open my $f, ">", "out.txt" or die; print $f "$_\n" for 1..5; close $f; open $f, "<", "out.txt"; my @l = <$f>; print "read ", scalar(@l), " lines\n";'
perl -e 'pipe(my $r, my $w); my $pid = fork; if (!$pid) { close $r; print $w "child says hi\n"; exit 3 } close $w; print scalar <$r>; waitpid($pid, 0); print "child status ", $? >> 8, "\n";'
perl -MList::Util=sum,max -e 'print sum(1..100), " ", max(3, 9, 2), "\n"'
echo "a=1;b=2;c=3" | perl -pe 's/(\w)=(\d)/$1:$2/g'
