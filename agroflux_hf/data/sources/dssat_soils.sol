*SOILS: AgroFlux-mini selection of real DSSAT soil profiles
!
! Profiles copied verbatim from the DSSAT-CSM data repository (BSD-3-Clause):
! - IUBF950107 from Data/Soil/IU.SOL: Clarion loam, well drained, Ames, Iowa (created June 1997 for the
!   ISU Northeast Research Center from the soil survey, former AE graduate students' theses and USDA 1977).
! - MSKB890006 from Data/Soil/SOIL.SOL: Kalamazoo loam, Typic Hapludalf, W.K. Kellogg Biological Station,
!   Michigan (the soil of DSSAT's KBS LTER rotation example MSKB8901.SQX).
! - IB00000001, IB00000004, IB00000005, IB00000007 from Data/Soil/SOIL.SOL (DSSAT v4.8, 04/23/2021):
!   the IBSNAT generic profiles estimated by A.J. Gijsman (LL, DUL by the nearest-neighbour method of
!   Jagtap et al. 2004; BD after Gijsman et al. 2002; SAT after Dalgliesh and Foale 1998).
!
! Profiles copied verbatim from the DSSAT-CSM data repository github.com/DSSAT/dssat-csm-data
! (BSD-3-Clause), folder Soil/, with their comment lines:
! - UHIH002016 and UHIH012017 from Soil/UH.SOL ("University of Hohenheim, Stuttgart, Germany", DSSAT v4.8,
!   03/19/2021; commit 363c844737f9b14e36cc17b45acb221f5be87cd8): a silt loam Cambisol and a silty clay
!   loam Luvisol of the Ihinger Hof research farm, 48.74 N 8.93 E (Baden-Wuerttemberg).
! - TXVERNON04 and TXVERNON01 from Soil/TX.SOL ("Texas soils"; commit
!   02a7ee25734614d4982c08a133d8b6f238f9cf17): Abilene clay loam and Tipton loam (Pachic Argiustolls,
!   data source "NSSC SSL", the NRCS Soil Survey Laboratory) at Chillicothe, Texas, 34.2 N 99.5 W (the
!   file's LONG lacks the minus sign; the simulations take location from the weather, not the soil).

*IUBF950107  AMES, IA              0 Clarion, well drained                             
@SITE        COUNTRY          LAT     LONG SCS FAMILY                           
 -99         -99             42.0    -99.0                                                  
@ SCOM  SALB  SLU1  SLDR  SLRO  SLNF  SLPF  SMHB  SMPX  SMKE                    
   -99   .16   9.8   .55  91.0   .90  1.00 IB001 IB001 IB001      
@  SLB  SLMH  SLLL  SDUL  SSAT  SRGF  SSKS  SBDM  SLOC  SLCL  SLSI  SLCF  SLNI  SLHW  SLHB  SCEC    
     5   -99  .181  .239  .314 1.000   .81  1.52  2.03  18.0  31.0   2.5 -99.0   6.4 -99.0 -99.0
    15   -99  .177  .241  .323 1.000  2.86  1.47  2.03  18.0  31.0   2.5 -99.0   6.4 -99.0 -99.0
    25   -99  .192  .266  .350  .900  5.28  1.39  2.03  22.0  31.0   2.5 -99.0   6.4 -99.0 -99.0
    30   -99  .204  .261  .325  .800  3.71  1.53  2.03  22.0  31.0   2.5 -99.0   6.4 -99.0 -99.0
    50   -99  .150  .262  .334  .600  4.99  1.48   .44  21.0  28.0   5.0 -99.0   6.7 -99.0 -99.0
    70   -99  .150  .262  .329  .400  7.08  1.51   .44  21.0  28.0   7.5 -99.0   6.7 -99.0 -99.0
   110   -99  .127  .247  .322  .300 10.38  1.50   .15  17.0  32.0   7.5 -99.0   7.9 -99.0 -99.0
   120   -99  .127  .247  .307  .200 14.78  1.60   .15  17.0  32.0   7.5 -99.0   7.9 -99.0 -99.0

*IB00000001  IBSNAT      SIC     210 DEFAULT - DEEP SILTY CLAY
@SITE        COUNTRY          LAT     LONG SCS FAMILY
 Generic     Generic          -99      -99 Generic
@ SCOM  SALB  SLU1  SLDR  SLRO  SLNF  SLPF  SMHB  SMPX  SMKE
   -99  0.11   6.0  0.30  85.0  1.00  1.00 IB001 IB001 IB001
@  SLB  SLMH  SLLL  SDUL  SSAT  SRGF  SSKS  SBDM  SLOC  SLCL  SLSI  SLCF  SLNI  SLHW  SLHB  SCEC  SADC
     5   -99 0.228 0.385 0.481 1.000   -99  1.30  1.75  50.0  45.0   0.0 0.170   6.5   -99   -99   -99 
    15   -99 0.228 0.385 0.481 1.000   -99  1.30  1.75  50.0  45.0   0.0 0.170   6.5   -99   -99   -99 
    30   -99 0.249 0.406 0.482 0.638   -99  1.30  1.60  50.0  45.0   0.0 0.170   6.5   -99   -99   -99 
    45   -99 0.249 0.406 0.465 0.472   -99  1.35  1.45  50.0  45.0   0.0 0.140   6.5   -99   -99   -99 
    60   -99 0.249 0.406 0.465 0.350   -99  1.35  1.45  50.0  45.0   0.0 0.140   6.5   -99   -99   -99 
    90   -99 0.308 0.456 0.468 0.223   -99  1.35  1.10  50.0  45.0   0.0 0.110   6.5   -99   -99   -99 
   120   -99 0.207 0.341 0.452 0.122   -99  1.40  0.65  50.0  45.0   0.0 0.060   6.5   -99   -99   -99 
   150   -99 0.243 0.365 0.455 0.067   -99  1.40  0.30  50.0  45.0   0.0 0.030   6.5   -99   -99   -99 
   180   -99 0.259 0.361 0.457 0.037   -99  1.40  0.10  50.0  45.0   0.0 0.010   6.5   -99   -99   -99 
   210   -99 0.259 0.361 0.457 0.020   -99  1.40  0.01  50.0  45.0   0.0 0.000   6.5   -99   -99   -99 

*IB00000004  IBSNAT      SIL     210 DEFAULT - DEEP SILTY LOAM
@SITE        COUNTRY          LAT     LONG SCS FAMILY
 Generic     Generic          -99      -99 Generic
@ SCOM  SALB  SLU1  SLDR  SLRO  SLNF  SLPF  SMHB  SMPX  SMKE
   -99  0.12   6.0  0.40  77.0  1.00  1.00 IB001 IB001 IB001
@  SLB  SLMH  SLLL  SDUL  SSAT  SRGF  SSKS  SBDM  SLOC  SLCL  SLSI  SLCF  SLNI  SLHW  SLHB  SCEC  SADC
     5   -99 0.110 0.227 0.450 1.000   -99  1.37  1.16  10.0  60.0   0.0 0.120   6.5   -99   -99   -99 
    15   -99 0.110 0.227 0.450 1.000   -99  1.37  1.16  10.0  60.0   0.0 0.120   6.5   -99   -99   -99 
    30   -99 0.103 0.201 0.451 0.638   -99  1.37  1.10  10.0  60.0   0.0 0.110   6.5   -99   -99   -99 
    45   -99 0.099 0.193 0.452 0.472   -99  1.37  0.97  10.0  60.0   0.0 0.100   6.5   -99   -99   -99 
    60   -99 0.099 0.193 0.452 0.350   -99  1.37  0.97  10.0  60.0   0.0 0.100   6.5   -99   -99   -99 
    90   -99 0.088 0.173 0.450 0.223   -99  1.38  0.72  10.0  60.0   0.0 0.070   6.5   -99   -99   -99 
   120   -99 0.079 0.165 0.452 0.122   -99  1.38  0.43  10.0  60.0   0.0 0.040   6.5   -99   -99   -99 
   150   -99 0.086 0.178 0.450 0.067   -99  1.39  0.20  10.0  60.0   0.0 0.020   6.5   -99   -99   -99 
   190   -99 0.072 0.174 0.451 0.033   -99  1.39  0.06  10.0  60.0   0.0 0.010   6.5   -99   -99   -99 
   210   -99 0.072 0.174 0.452 0.018   -99  1.39  0.01  10.0  60.0   0.0 0.000   6.5   -99   -99   -99 

*IB00000005  IBSNAT      SIL     150 DEFAULT - MEDIUM SILTY LOAM
@SITE        COUNTRY          LAT     LONG SCS FAMILY
 Generic     Generic          -99      -99 Generic
@ SCOM  SALB  SLU1  SLDR  SLRO  SLNF  SLPF  SMHB  SMPX  SMKE
   -99  0.12   6.0  0.30  79.0  1.00  1.00 IB001 IB001 IB001
@  SLB  SLMH  SLLL  SDUL  SSAT  SRGF  SSKS  SBDM  SLOC  SLCL  SLSI  SLCF  SLNI  SLHW  SLHB  SCEC  SADC
     5   -99 0.110 0.227 0.450 1.000   -99  1.37  1.16  10.0  60.0   0.0 0.120   6.5   -99   -99   -99 
    15   -99 0.110 0.227 0.450 1.000   -99  1.37  1.16  10.0  60.0   0.0 0.120   6.5   -99   -99   -99 
    30   -99 0.103 0.201 0.451 0.638   -99  1.37  1.10  10.0  60.0   0.0 0.110   6.5   -99   -99   -99 
    45   -99 0.099 0.193 0.452 0.472   -99  1.37  0.97  10.0  60.0   0.0 0.100   6.5   -99   -99   -99 
    60   -99 0.099 0.193 0.452 0.350   -99  1.37  0.97  10.0  60.0   0.0 0.100   6.5   -99   -99   -99 
    90   -99 0.088 0.173 0.450 0.223   -99  1.38  0.72  10.0  60.0   0.0 0.070   6.5   -99   -99   -99 
   120   -99 0.079 0.165 0.452 0.122   -99  1.38  0.43  10.0  60.0   0.0 0.040   6.5   -99   -99   -99 
   150   -99 0.086 0.178 0.450 0.067   -99  1.39  0.20  10.0  60.0   0.0 0.020   6.5   -99   -99   -99 

*IB00000007  IBSNAT      SL      210 DEFAULT - DEEP SANDY LOAM
@SITE        COUNTRY          LAT     LONG SCS FAMILY
 Generic     Generic          -99      -99 Generic
@ SCOM  SALB  SLU1  SLDR  SLRO  SLNF  SLPF  SMHB  SMPX  SMKE
   -99  0.13   6.0  0.50  68.0  1.00  1.00 IB001 IB001 IB001
@  SLB  SLMH  SLLL  SDUL  SSAT  SRGF  SSKS  SBDM  SLOC  SLCL  SLSI  SLCF  SLNI  SLHW  SLHB  SCEC  SADC
     5   -99 0.052 0.176 0.359 1.000   -99  1.61  0.70  10.0  30.0   0.0 0.070   6.5   -99   -99   -99 
    15   -99 0.052 0.176 0.359 1.000   -99  1.61  0.70  10.0  30.0   0.0 0.070   6.5   -99   -99   -99 
    30   -99 0.052 0.176 0.359 0.638   -99  1.61  0.66  10.0  30.0   0.0 0.070   6.5   -99   -99   -99 
    45   -99 0.073 0.192 0.360 0.472   -99  1.61  0.58  10.0  30.0   0.0 0.060   6.5   -99   -99   -99 
    60   -99 0.073 0.192 0.360 0.350   -99  1.61  0.58  10.0  30.0   0.0 0.060   6.5   -99   -99   -99 
    90   -99 0.128 0.232 0.361 0.223   -99  1.61  0.43  10.0  30.0   0.0 0.040   6.5   -99   -99   -99 
   120   -99 0.143 0.243 0.359 0.122   -99  1.62  0.26  10.0  30.0   0.0 0.030   6.5   -99   -99   -99 
   150   -99 0.138 0.243 0.360 0.067   -99  1.62  0.12  10.0  30.0   0.0 0.010   6.5   -99   -99   -99 
   180   -99 0.138 0.244 0.361 0.037   -99  1.62  0.04  10.0  30.0   0.0 0.000   6.5   -99   -99   -99 
   210   -99 0.138 0.244 0.361 0.020   -99  1.62  0.01  10.0  30.0   0.0 0.000   6.5   -99   -99   -99 

*MSKB890006  IBSNAT      L       120 KALAMAZOO LOAM
@SITE        COUNTRY          LAT     LONG SCS FAMILY
 Kalamazoo   MI, U.S.A.    41.700  -85.500 Typic Hapludalf
@ SCOM  SALB  SLU1  SLDR  SLRO  SLNF  SLPF  SMHB  SMPX  SMKE
  10YR  0.13   9.0  0.15  80.0  1.00  1.00 SA001 SA001 SA001
@  SLB  SLMH  SLLL  SDUL  SSAT  SRGF  SSKS  SBDM  SLOC  SLCL  SLSI  SLCF  SLNI  SLHW  SLHB  SCEC  SADC
    10    Ap 0.137 0.270 0.380 1.000   -99  1.60  1.10  19.0  38.0   -99 0.130   6.5   -99  10.0   -99 
    22    Ap 0.137 0.270 0.380 1.000   -99  1.60  0.90  19.0  38.0   -99 0.130   6.5   -99  10.0   -99 
    31     E 0.137 0.270 0.380 1.000   -99  1.60  0.70  22.0  47.0   -99 0.130   6.5   -99  10.0   -99 
    41   Btu 0.165 0.298 0.343 0.900   -99  1.60  0.30  23.0  44.0   -99 0.050   6.5   -99  10.0   -99 
    51   Btm 0.165 0.300 0.410 0.700   -99  1.60  0.22  25.0  19.0   -99 0.040   6.0   -99  10.0   -99 
    61   Btl 0.137 0.270 0.380 0.800   -99  1.60  0.10  21.0  17.0   -99 0.040   6.0   -99  10.0   -99 
    75  Bt2u 0.137 0.270 0.380 0.400   -99  1.60  0.05  19.0  12.0   -99 0.020   6.0   -99  10.0   -99 
    89  Bt2l 0.060 0.162 0.270 0.100   -99  1.60  0.02   7.0   4.0   -99 0.010   6.0   -99   3.0   -99 
   102  Bt3u 0.060 0.162 0.270 0.000   -99  1.60  0.02   7.0   5.0   -99 0.010   6.0   -99   3.0   -99 
   120  Bt3u 0.060 0.162 0.270 0.000   -99  1.60  0.02   7.0   5.0   -99 0.010   6.0   -99   3.0   -99 

*UHIH002016  Hohenheim   SIL      180  Silty Loam
@SITE        COUNTRY          LAT     LONG SCS FAMILY
 Ihinger Hof Germany       48.736    8.933 Cambisol
@ SCOM  SALB  SLU1  SLDR  SLRO  SLNF  SLPF  SMHB  SMPX  SMKE
    BN   .13     6    .4    73     1     1 IB001 IB001 IB001
@  SLB  SLMH  SLLL  SDUL  SSAT  SRGF  SSKS  SBDM  SLOC  SLCL  SLSI  SLCF  SLNI  SLHW  SLHB  SCEC  SADC
    30   -99  .205  .419  .536     1   .68  1.12  1.94  25.3  60.1   -99   .11   7.4   -99   -99   -99
    60   -99  .131  .302  .511  .607   .68  1.21   .83  16.4    55   -99   .02   -99   -99   -99   -99
    90   -99  .131  .302  .511  .407   .68  1.21   .03  16.4    55   -99   .01   -99   -99   -99   -99
   120   -99  .131  .302  .511  .407   .68  1.21   .03  16.4    55   -99   .01   -99   -99   -99   -99
   150   -99  .131  .302  .511  .407   .68  1.21   .03  16.4    55   -99   .01   -99   -99   -99   -99
   180   -99  .131  .302  .511  .407   .68  1.21   .03  16.4    55   -99   .01   -99   -99   -99   -99

*UHIH012017  Hohenheim   SICL     180  Silty clay loam
@SITE        COUNTRY          LAT     LONG SCS FAMILY
 Ihinger Hof Germany       48.736    8.933 Luvisol
@ SCOM  SALB  SLU1  SLDR  SLRO  SLNF  SLPF  SMHB  SMPX  SMKE
    BN   .13     6    .4    73     1     1 IB001 IB001 IB001
@  SLB  SLMH  SLLL  SDUL  SSAT  SRGF  SSKS  SBDM  SLOC  SLCL  SLSI  SLCF  SLNI  SLHW  SLHB  SCEC  SADC
    30   -99  .205  .419  .536     1   .68  1.12  1.29  27.1  70.2   -99   .17   6.6   -99   -99   -99
    60   -99  .131  .302  .511  .607   .68  1.21   .68  27.2  70.4   -99   .11   -99   -99   -99   -99
    90   -99  .131  .302  .511  .407   .68  1.21   .51  33.1  63.6   -99    .1   -99   -99   -99   -99
   120   -99  .131  .302  .511  .407   .68  1.21   .51  33.1  63.6   -99    .1   -99   -99   -99   -99
   150   -99  .131  .302  .511  .407   .68  1.21   .51  33.1  63.6   -99    .1   -99   -99   -99   -99
   180   -99  .131  .302  .511  .407   .68  1.21   .51  33.1  63.6   -99    .1   -99   -99   -99   -99

!modified slpf on Jan 7, 2022 to reduce yield, back up to 1.00 on 4/21/23, incr DUL-LL for bottom two layers
!because DUL-LL should nhot be that low 8 and 10% for soil with that much clay and silt
*TXVERNON01  NSSC SSL       L     216  TIPTON LOAM
@SITE        COUNTRY          LAT     LONG SCS FAMILY
 CHILLICOTHE USA              34.2   99.51 Fine-loamy, mixed, superactive, thermic Pachic Arg
@ SCOM  SALB  SLU1  SLDR  SLRO  SLNF  SLPF  SMHB  SMPX  SMKE
    BN   .13     6    .6    61     1  1.00 IB001 IB001 IB001
@  SLB  SLMH  SLLL  SDUL  SSAT  SRGF  SSKS  SBDM  SLOC  SLCL  SLSI  SLCF  SLNI  SLHW  SLHB  SCEC  SADC
    19   Ap1   .12  .261  .377     1  1.32  1.58    .7    15  41.5   -99   .06   7.6   -99  16.1   -99
    32   Ap2  .124   .26  .379    .8  1.32  1.58    .5  16.8  41.2   -99   .04   7.9   -99  16.1   -99
    57   Bt1  .158  .291  .412    .7  1.32  1.49    .5  23.7  37.7   -99   .06   7.9   -99  24.1   -99
    89   Bt2  .182  .308  .413    .5   .23  1.49    .4    29  33.9   -99   .05   7.8   -99  24.1   -99
   107   Bt3  .182  .317  .391    .4   .23  1.55    .4    29  38.1   -99   .03   7.7   -99  24.1   -99
   137  Btk1  .176  .295  .357    .2   .23  1.64    .2  29.2  33.1     1   .03   8.3   -99  22.6   -99
   181  Btk2  .113  .224  .343    .1  2.59  1.63    .1  18.2  20.7     6   .03   8.5   -99  21.5   -99
   216  Btk3  .155  .265   .37   .02   .43  1.56    .1  26.9  27.4     5   .04   8.5   -99  15.7   -99

*TXVERNON04  NSSC SSL    L        200  Abilene Clay Loam
@SITE        COUNTRY          LAT     LONG SCS FAMILY
 CHILLICOTHE USA             34.19   99.53 Fine, mixed, superactive, thermic Pachic Argiustol
@ SCOM  SALB  SLU1  SLDR  SLRO  SLNF  SLPF  SMHB  SMPX  SMKE
     G   .09     6    .6    61     1     1 IB001 IB001 IB001
@  SLB  SLMH  SLLL  SDUL  SSAT  SRGF  SSKS  SBDM  SLOC  SLCL  SLSI  SLCF  SLNI  SLHW  SLHB  SCEC  SADC
     5    Ap  .132   .31  .406     1  1.32   1.5   .81  20.7    33   -99    .1   7.5   -99    26   -99
    15    Ap  .132   .31  .406     1  1.32   1.5   .81  20.7    33   -99    .1   7.5   -99    26   -99
    30   Bt1  .149   .36  .406     1   .23   1.5   .78  34.3  34.9   -99   .07   7.5   -99  32.1   -99
    56   Bt1  .149   .36  .406     1   .23   1.5   .78  34.3  34.9   -99   .07   7.5   -99  32.1   -99
    86   Bt2  .156   .36  .443     1   .23   1.4   .67  36.4    32   -99   .05   7.8   -99  32.8   -99
   122   Bk1  .155  .353  .445    .8   .23   1.4   .39  37.7    32   -99   .04   7.9   -99  25.3   -99
   157   Bk2  .159  .353  .445    .5   .43   1.4   .15  25.4  25.9    24   .04   7.9   -99  22.1   -99
   170   Bk2  .159  .353  .445    .3   .43   1.4   .15  25.4  25.9    24   .04   7.9   -99  22.1   -99
   200   Bk2  .159  .353  .445    .1   .43   1.4   .15  25.4  25.9    24   .04   7.9   -99  22.1   -99
