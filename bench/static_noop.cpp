// A process that does nothing, linked statically: daemon_bench times its start as the floor that
// any client process (`belfry fire` included) pays on this machine before doing any work.
int main() {
    return 0;
}
