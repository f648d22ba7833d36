# make -j2: a small C project with a generated header and several objects.
mkdir proj && cd proj
cat > Makefile <<'MK'
OBJS := main.o util.o calc.o
app: $(OBJS)
	gcc -o $@ $(OBJS)
%.o: %.c version.h
	gcc -O1 -c -o $@ $<
version.h:
	echo '#define VERSION "1.2.3"' > $@
clean:
	rm -f app $(OBJS) version.h
.PHONY: clean
MK
printf '#include <stdio.h>\n#include "version.h"\nint add(int,int); int mul(int,int);\nint main(void){printf("v%%s %%d %%d\\n", VERSION, add(2,3), mul(4,5)); return 0;}\n' > main.c
printf '#include "version.h"\nint add(int a,int b){return a+b;}\n' > util.c
printf '#include "version.h"\nint mul(int a,int b){return a*b;}\n' > calc.c
make -s -j2 app && ./app
make -s -j2 app; echo "second make exited $?"
touch util.c && make -j2 app | sort
make -s clean && ls
