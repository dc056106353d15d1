from phongdich.manage import main

main()
