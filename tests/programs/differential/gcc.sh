# gcc compiles and links a program in the sandbox, which then runs.
cat > prog.c <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static int cmp(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }
int main(int argc, char **argv) {
    int v[] = {9, 3, 7, 1, 8, 2};
    qsort(v, 6, sizeof v[0], cmp);
    for (int i = 0; i < 6; i++) printf("%d ", v[i]);
    printf("\nargs=%d last=%s\n", argc, argv[argc - 1]);
    return strlen(argv[0]) > 0 ? 3 : 0;
}
C
gcc -O2 -Wall -o prog prog.c && echo "compiled"
./prog one two; echo "prog exited $?"
gcc -c prog.c -o prog.o && gcc prog.o -o prog2 && ./prog2 x; echo "prog2 exited $?"
echo 'int broken(' > bad.c
gcc -c bad.c -o bad.o 2>/dev/null; echo "bad compile exited $?"
