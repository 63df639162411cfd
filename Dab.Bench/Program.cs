public static class P{public static int Main()=>0;}
