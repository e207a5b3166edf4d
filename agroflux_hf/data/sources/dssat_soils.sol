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

! ==== SoilGrids + HC27 profiles (written by agroflux_hf.default_data.derive_soils) ====
! Profiles derived by agroflux_hf from the Global High-Resolution Soil Profile Database for Crop
! Modeling Applications (Han, Ines and Koo; IFPRI HarvestChoice with IRI Columbia University and
! Michigan State University; Harvard Dataverse doi:10.7910/DVN/1PEEY0; paper: Han, E., Ines, A.V.M.,
! Koo, J. (2019) Development of a 10-km resolution global soil profile dataset for crop modeling
! applications, Environmental Modelling & Software 119, 70-83, doi:10.1016/j.envsoft.2019.05.012):
! ISRIC SoilGrids 1-km properties (bulk density, organic carbon, clay, silt, pH, CEC) aggregated to
! 5 arc-minutes, pedotransfer functions for LL, DUL, SAT and SSKS, HarvestChoice HC27 generic values.
! Read from its US table dssatsim/serverlessdb/agxdbv1/US_SOIL_DATA_TABLE_10km.parquet (sha256
! 4207ad8db2e6afd804c72d20a74ad94aa504eaa6887fa742afbd27045dfbd0fa) of the PyPI wheel dssatsim 0.1.3;
! every field is the table's value, formatted only. Chosen per site: the nearest distinct profiles
! (layer values differ) within 20 km of the site whose top layer is mineral (SOC 0.3-6 %), not sand
! (clay + silt >= 20 %), >= 1 m deep, with LL < DUL < SAT in every layer.
! Terms: SoilGrids (ISRIC) is CC-BY 4.0; the Dataverse deposit's own terms were not found and the
! dssatsim wheel states no licence, so these profiles are 'unstated' (data/sources/terms.py).
! Regenerate: python -m agroflux_hf.default_data.derive_soils --source DIR
! - US02485043: IA_central, cell 42.042 N 93.041 W, 3.5 km from the site, SiltLoam
! - US02485044: IA_central, cell 42.042 N 92.958 W, 3.6 km from the site, SiltLoam
! - US02567018: NE_champion, cell 40.458 N 101.791 W, 3.7 km from the site, Loam
! - US02567019: NE_champion, cell 40.458 N 101.708 W, 3.8 km from the site, Loam
! - US02562698: NE_champion, cell 40.542 N 101.791 W, 8.7 km from the site, Loam
! - US02467855: KBS, cell 42.375 N 85.375 W, 3.5 km from the site, Loam
! - US02467854: KBS, cell 42.375 N 85.458 W, 5.5 km from the site, Loam
! - US02420287: ARL, cell 43.292 N 89.375 W, 2.2 km from the site, Loam
! - US02420288: ARL, cell 43.292 N 89.292 W, 4.8 km from the site, Loam
! - US02415967: ARL, cell 43.375 N 89.375 W, 8.6 km from the site, Loam
! - US02532522: US-Ne1, cell 41.125 N 96.458 W, 4.7 km from the site, SiltLoam
! - US02528202: US-Ne1, cell 41.208 N 96.458 W, 5.0 km from the site, SiltLoam
! - US02532521: US-Ne1, cell 41.125 N 96.542 W, 7.1 km from the site, SiltLoam
! - US02765790: US-ARM, cell 36.625 N 97.458 W, 3.5 km from the site, Loam
! - US02765789: US-ARM, cell 36.625 N 97.542 W, 5.2 km from the site, Loam
! - US02770110: US-ARM, cell 36.542 N 97.458 W, 7.6 km from the site, Loam

*US02485043  SoilGrids   SIL     200 SiltLoam, 3.5 km from IA_central
@SITE        COUNTRY          LAT     LONG SCS FAMILY
 -99         US            42.042  -93.041 HC_GEN0010
@ SCOM  SALB  SLU1  SLDR  SLRO  SLNF  SLPF  SMHB  SMPX  SMKE
    BK  0.10   6.0  0.50  75.0  1.00  1.00 SA001 SA001 SA001
@  SLB  SLMH  SLLL  SDUL  SSAT  SRGF  SSKS  SBDM  SLOC  SLCL  SLSI  SLCF  SLNI  SLHW  SLHB  SCEC  SADC
     5     A 0.158 0.322 0.423 1.000  0.31  1.44  2.66  26.0  54.5   -99 0.120   6.5   -99  31.6   -99
    15     A 0.170 0.332 0.429 0.850  0.27  1.46  2.26  28.0  53.4   -99 0.090   6.5   -99  27.8   -99
    30    AB 0.185 0.345 0.438 0.700  0.23  1.49  1.72  30.7  52.0   -99 0.070   6.6   -99  26.9   -99
    60    BA 0.200 0.358 0.447 0.500  0.20  1.54  1.10  33.3  50.6   -99 0.060   6.7   -99  28.1   -99
   100     B 0.200 0.357 0.446 0.380  0.20  1.60  0.64  33.2  50.2   -99 0.050   6.9   -99  28.3   -99
   200    BC 0.190 0.348 0.440 0.200  0.22  1.65  0.36  31.6  50.4   -99 0.040   7.0   -99  28.2   -99

*US02485044  SoilGrids   SIL     200 SiltLoam, 3.6 km from IA_central
@SITE        COUNTRY          LAT     LONG SCS FAMILY
 -99         US            42.042  -92.958 HC_GEN0010
@ SCOM  SALB  SLU1  SLDR  SLRO  SLNF  SLPF  SMHB  SMPX  SMKE
    BK  0.10   6.0  0.50  75.0  1.00  1.00 SA001 SA001 SA001
@  SLB  SLMH  SLLL  SDUL  SSAT  SRGF  SSKS  SBDM  SLOC  SLCL  SLSI  SLCF  SLNI  SLHW  SLHB  SCEC  SADC
     5     A 0.156 0.317 0.421 1.000  0.33  1.47  2.74  25.7  53.0   -99 0.120   6.3   -99  31.1   -99
    15     A 0.168 0.328 0.427 0.850  0.29  1.49  2.32  27.7  52.0   -99 0.090   6.4   -99  27.2   -99
    30    AB 0.184 0.342 0.436 0.700  0.24  1.52  1.77  30.6  50.5   -99 0.070   6.5   -99  26.4   -99
    60    BA 0.199 0.354 0.445 0.500  0.21  1.57  1.14  33.1  49.2   -99 0.060   6.6   -99  27.6   -99
   100     B 0.199 0.354 0.444 0.380  0.21  1.63  0.66  33.1  48.5   -99 0.050   6.8   -99  27.7   -99
   200    BC 0.189 0.344 0.437 0.200  0.23  1.68  0.37  31.4  48.6   -99 0.040   6.9   -99  27.7   -99

*US02567018  SoilGrids   L       200 Loam, 3.7 km from NE_champion
@SITE        COUNTRY          LAT     LONG SCS FAMILY
 -99         US            40.458 -101.791 HC_GEN0011
@ SCOM  SALB  SLU1  SLDR  SLRO  SLNF  SLPF  SMHB  SMPX  SMKE
    BK  0.10   6.0  0.50  75.0  1.00  1.00 SA001 SA001 SA001
@  SLB  SLMH  SLLL  SDUL  SSAT  SRGF  SSKS  SBDM  SLOC  SLCL  SLSI  SLCF  SLNI  SLHW  SLHB  SCEC  SADC
     5     A 0.126 0.258 0.397 1.000  0.76  1.40  1.58  20.6  40.2   -99 0.120   7.2   -99  17.4   -99
    15     A 0.137 0.269 0.400 0.850  0.63  1.42  1.34  22.5  39.3   -99 0.090   7.3   -99  15.3   -99
    30    AB 0.152 0.285 0.406 0.700  0.50  1.45  1.02  25.1  38.2   -99 0.070   7.3   -99  14.8   -99
    60    BA 0.165 0.298 0.412 0.500  0.40  1.50  0.65  27.4  37.0   -99 0.060   7.5   -99  15.5   -99
   100     B 0.165 0.297 0.411 0.380  0.41  1.56  0.38  27.3  36.5   -99 0.050   7.6   -99  15.6   -99
   200    BC 0.155 0.284 0.406 0.050  0.49  1.62  0.21  25.6  36.2   -99 0.050   7.8   -99  15.6   -99

*US02567019  SoilGrids   L       200 Loam, 3.8 km from NE_champion
@SITE        COUNTRY          LAT     LONG SCS FAMILY
 -99         US            40.458 -101.708 HC_GEN0011
@ SCOM  SALB  SLU1  SLDR  SLRO  SLNF  SLPF  SMHB  SMPX  SMKE
    BK  0.10   6.0  0.50  75.0  1.00  1.00 SA001 SA001 SA001
@  SLB  SLMH  SLLL  SDUL  SSAT  SRGF  SSKS  SBDM  SLOC  SLCL  SLSI  SLCF  SLNI  SLHW  SLHB  SCEC  SADC
     5     A 0.121 0.248 0.394 1.000  0.86  1.42  1.66  19.8  38.5   -99 0.120   7.1   -99  17.8   -99
    15     A 0.131 0.259 0.397 0.850  0.73  1.44  1.41  21.6  37.7   -99 0.090   7.2   -99  15.6   -99
    30    AB 0.146 0.274 0.402 0.700  0.57  1.47  1.08  24.1  36.6   -99 0.070   7.3   -99  15.1   -99
    60    BA 0.159 0.288 0.407 0.500  0.46  1.52  0.68  26.3  35.3   -99 0.060   7.4   -99  15.8   -99
   100     B 0.159 0.287 0.407 0.380  0.47  1.58  0.40  26.3  34.7   -99 0.050   7.5   -99  15.9   -99
   200    BC 0.149 0.275 0.402 0.050  0.56  1.63  0.21  24.7  34.4   -99 0.050   7.7   -99  15.9   -99

*US02562698  SoilGrids   L       200 Loam, 8.7 km from NE_champion
@SITE        COUNTRY          LAT     LONG SCS FAMILY
 -99         US            40.542 -101.791 HC_GEN0011
@ SCOM  SALB  SLU1  SLDR  SLRO  SLNF  SLPF  SMHB  SMPX  SMKE
    BK  0.10   6.0  0.50  75.0  1.00  1.00 SA001 SA001 SA001
@  SLB  SLMH  SLLL  SDUL  SSAT  SRGF  SSKS  SBDM  SLOC  SLCL  SLSI  SLCF  SLNI  SLHW  SLHB  SCEC  SADC
     5     A 0.129 0.263 0.398 1.000  0.70  1.40  1.52  21.2  40.9   -99 0.120   7.2   -99  17.5   -99
    15     A 0.140 0.274 0.402 0.850  0.59  1.42  1.29  23.1  40.0   -99 0.090   7.3   -99  15.3   -99
    30    AB 0.155 0.289 0.408 0.700  0.47  1.45  0.99  25.6  38.9   -99 0.070   7.4   -99  14.8   -99
    60    BA 0.169 0.303 0.414 0.500  0.38  1.50  0.62  27.9  37.8   -99 0.060   7.5   -99  15.5   -99
   100     B 0.168 0.302 0.414 0.380  0.38  1.56  0.37  27.9  37.1   -99 0.050   7.6   -99  15.6   -99
   200    BC 0.159 0.290 0.408 0.050  0.45  1.62  0.21  26.3  36.9   -99 0.050   7.8   -99  15.5   -99

*US02467855  SoilGrids   L       200 Loam, 3.5 km from KBS
@SITE        COUNTRY          LAT     LONG SCS FAMILY
 -99         US            42.375  -85.375 HC_GEN0011
@ SCOM  SALB  SLU1  SLDR  SLRO  SLNF  SLPF  SMHB  SMPX  SMKE
    BK  0.10   6.0  0.50  75.0  1.00  1.00 SA001 SA001 SA001
@  SLB  SLMH  SLLL  SDUL  SSAT  SRGF  SSKS  SBDM  SLOC  SLCL  SLSI  SLCF  SLNI  SLHW  SLHB  SCEC  SADC
     5     A 0.115 0.254 0.395 1.000  0.82  1.50  3.15  18.7  45.0   -99 0.120   5.7   -99  21.8   -99
    15     A 0.125 0.265 0.399 0.850  0.69  1.52  2.67  20.5  44.3   -99 0.090   5.7   -99  19.1   -99
    30    AB 0.141 0.281 0.405 0.700  0.54  1.55  2.03  23.1  43.2   -99 0.070   5.8   -99  18.5   -99
    60    BA 0.154 0.294 0.410 0.500  0.44  1.60  1.30  25.4  42.0   -99 0.060   5.9   -99  19.4   -99
   100     B 0.154 0.293 0.409 0.380  0.44  1.66  0.76  25.4  41.3   -99 0.050   6.1   -99  19.5   -99
   200    BC 0.143 0.280 0.404 0.050  0.54  1.72  0.43  23.5  40.9   -99 0.050   6.2   -99  19.5   -99

*US02467854  SoilGrids   L       200 Loam, 5.5 km from KBS
@SITE        COUNTRY          LAT     LONG SCS FAMILY
 -99         US            42.375  -85.458 HC_GEN0011
@ SCOM  SALB  SLU1  SLDR  SLRO  SLNF  SLPF  SMHB  SMPX  SMKE
    BK  0.10   6.0  0.50  75.0  1.00  1.00 SA001 SA001 SA001
@  SLB  SLMH  SLLL  SDUL  SSAT  SRGF  SSKS  SBDM  SLOC  SLCL  SLSI  SLCF  SLNI  SLHW  SLHB  SCEC  SADC
     5     A 0.120 0.262 0.397 1.000  0.73  1.48  2.71  19.5  46.0   -99 0.120   5.8   -99  21.8   -99
    15     A 0.131 0.273 0.401 0.850  0.61  1.50  2.28  21.4  45.2   -99 0.090   5.9   -99  19.2   -99
    30    AB 0.146 0.289 0.408 0.700  0.48  1.53  1.74  24.0  44.2   -99 0.070   6.0   -99  18.6   -99
    60    BA 0.160 0.302 0.414 0.500  0.39  1.58  1.12  26.4  43.0   -99 0.060   6.1   -99  19.4   -99
   100     B 0.160 0.301 0.413 0.380  0.40  1.65  0.65  26.4  42.2   -99 0.050   6.2   -99  19.5   -99
   200    BC 0.149 0.288 0.407 0.050  0.48  1.70  0.37  24.5  41.9   -99 0.050   6.4   -99  19.5   -99

*US02420287  SoilGrids   L       200 Loam, 2.2 km from ARL
@SITE        COUNTRY          LAT     LONG SCS FAMILY
 -99         US            43.292  -89.375 HC_GEN0011
@ SCOM  SALB  SLU1  SLDR  SLRO  SLNF  SLPF  SMHB  SMPX  SMKE
    BK  0.10   6.0  0.50  75.0  1.00  1.00 SA001 SA001 SA001
@  SLB  SLMH  SLLL  SDUL  SSAT  SRGF  SSKS  SBDM  SLOC  SLCL  SLSI  SLCF  SLNI  SLHW  SLHB  SCEC  SADC
     5     A 0.120 0.265 0.398 1.000  0.70  1.50  2.46  19.6  47.1   -99 0.120   6.3   -99  27.0   -99
    15     A 0.131 0.276 0.402 0.850  0.58  1.51  2.08  21.5  46.4   -99 0.090   6.3   -99  23.7   -99
    30    AB 0.146 0.291 0.409 0.700  0.46  1.55  1.59  24.1  45.2   -99 0.070   6.4   -99  22.9   -99
    60    BA 0.160 0.305 0.415 0.500  0.38  1.60  1.01  26.4  44.0   -99 0.060   6.5   -99  24.0   -99
   100     B 0.160 0.303 0.414 0.380  0.38  1.66  0.58  26.4  43.4   -99 0.050   6.7   -99  24.1   -99
   200    BC 0.149 0.290 0.408 0.050  0.46  1.71  0.34  24.5  42.9   -99 0.050   6.9   -99  24.1   -99

*US02420288  SoilGrids   L       200 Loam, 4.8 km from ARL
@SITE        COUNTRY          LAT     LONG SCS FAMILY
 -99         US            43.292  -89.292 HC_GEN0011
@ SCOM  SALB  SLU1  SLDR  SLRO  SLNF  SLPF  SMHB  SMPX  SMKE
    BK  0.10   6.0  0.50  75.0  1.00  1.00 SA001 SA001 SA001
@  SLB  SLMH  SLLL  SDUL  SSAT  SRGF  SSKS  SBDM  SLOC  SLCL  SLSI  SLCF  SLNI  SLHW  SLHB  SCEC  SADC
     5     A 0.125 0.271 0.400 1.000  0.64  1.50  2.59  20.3  47.5   -99 0.120   6.3   -99  28.4   -99
    15     A 0.136 0.282 0.405 0.850  0.53  1.52  2.19  22.2  46.8   -99 0.090   6.3   -99  24.9   -99
    30    AB 0.150 0.297 0.411 0.700  0.43  1.55  1.68  24.7  45.6   -99 0.070   6.4   -99  24.1   -99
    60    BA 0.165 0.311 0.418 0.500  0.35  1.60  1.07  27.2  44.4   -99 0.060   6.5   -99  25.2   -99
   100     B 0.164 0.309 0.417 0.380  0.35  1.66  0.62  27.2  43.8   -99 0.050   6.7   -99  25.3   -99
   200    BC 0.154 0.297 0.411 0.050  0.42  1.71  0.36  25.4  43.3   -99 0.050   6.9   -99  25.3   -99

*US02415967  SoilGrids   L       200 Loam, 8.6 km from ARL
@SITE        COUNTRY          LAT     LONG SCS FAMILY
 -99         US            43.375  -89.375 HC_GEN0011
@ SCOM  SALB  SLU1  SLDR  SLRO  SLNF  SLPF  SMHB  SMPX  SMKE
    BK  0.10   6.0  0.50  75.0  1.00  1.00 SA001 SA001 SA001
@  SLB  SLMH  SLLL  SDUL  SSAT  SRGF  SSKS  SBDM  SLOC  SLCL  SLSI  SLCF  SLNI  SLHW  SLHB  SCEC  SADC
     5     A 0.109 0.247 0.393 1.000  0.96  1.49  2.82  17.7  44.9   -99 0.120   6.1   -99  23.7   -99
    15     A 0.119 0.257 0.397 0.850  0.81  1.51  2.40  19.5  44.2   -99 0.090   6.1   -99  20.8   -99
    30    AB 0.134 0.272 0.402 0.700  0.65  1.54  1.83  21.9  43.0   -99 0.070   6.2   -99  20.2   -99
    60    BA 0.148 0.286 0.407 0.500  0.52  1.59  1.17  24.4  41.8   -99 0.060   6.3   -99  21.1   -99
   100     B 0.147 0.283 0.406 0.380  0.54  1.65  0.68  24.2  41.2   -99 0.050   6.5   -99  21.3   -99
   200    BC 0.135 0.270 0.401 0.050  0.66  1.71  0.39  22.3  40.8   -99 0.050   6.7   -99  21.2   -99

*US02532522  SoilGrids   SIL     200 SiltLoam, 4.7 km from US-Ne1
@SITE        COUNTRY          LAT     LONG SCS FAMILY
 -99         US            41.125  -96.458 HC_GEN0010
@ SCOM  SALB  SLU1  SLDR  SLRO  SLNF  SLPF  SMHB  SMPX  SMKE
    BK  0.10   6.0  0.50  75.0  1.00  1.00 SA001 SA001 SA001
@  SLB  SLMH  SLLL  SDUL  SSAT  SRGF  SSKS  SBDM  SLOC  SLCL  SLSI  SLCF  SLNI  SLHW  SLHB  SCEC  SADC
     5     A 0.149 0.310 0.416 1.000  0.35  1.51  1.92  24.3  53.6   -99 0.120   6.5   -99  25.9   -99
    15     A 0.159 0.320 0.421 0.850  0.31  1.53  1.62  26.1  52.7   -99 0.090   6.5   -99  22.7   -99
    30    AB 0.175 0.334 0.430 0.700  0.26  1.56  1.24  28.9  51.5   -99 0.070   6.6   -99  22.0   -99
    60    BA 0.189 0.347 0.439 0.500  0.22  1.61  0.79  31.4  50.1   -99 0.060   6.8   -99  23.0   -99
   100     B 0.189 0.346 0.438 0.380  0.22  1.67  0.46  31.4  49.7   -99 0.050   6.9   -99  23.1   -99
   200    BC 0.179 0.335 0.431 0.200  0.25  1.73  0.27  29.7  49.8   -99 0.040   7.1   -99  23.1   -99

*US02528202  SoilGrids   SIL     200 SiltLoam, 5.0 km from US-Ne1
@SITE        COUNTRY          LAT     LONG SCS FAMILY
 -99         US            41.208  -96.458 HC_GEN0010
@ SCOM  SALB  SLU1  SLDR  SLRO  SLNF  SLPF  SMHB  SMPX  SMKE
    BK  0.10   6.0  0.50  75.0  1.00  1.00 SA001 SA001 SA001
@  SLB  SLMH  SLLL  SDUL  SSAT  SRGF  SSKS  SBDM  SLOC  SLCL  SLSI  SLCF  SLNI  SLHW  SLHB  SCEC  SADC
     5     A 0.146 0.309 0.415 1.000  0.36  1.51  2.00  23.9  54.1   -99 0.120   6.4   -99  24.6   -99
    15     A 0.157 0.319 0.421 0.850  0.31  1.52  1.70  25.7  53.3   -99 0.090   6.5   -99  21.6   -99
    30    AB 0.173 0.333 0.429 0.700  0.26  1.55  1.29  28.5  51.9   -99 0.070   6.6   -99  20.9   -99
    60    BA 0.187 0.345 0.438 0.500  0.22  1.61  0.83  31.1  50.5   -99 0.060   6.7   -99  21.8   -99
   100     B 0.188 0.345 0.437 0.380  0.22  1.67  0.48  31.1  50.1   -99 0.050   6.8   -99  21.9   -99
   200    BC 0.177 0.334 0.430 0.200  0.25  1.72  0.28  29.3  50.2   -99 0.040   7.0   -99  21.9   -99

*US02532521  SoilGrids   SIL     200 SiltLoam, 7.1 km from US-Ne1
@SITE        COUNTRY          LAT     LONG SCS FAMILY
 -99         US            41.125  -96.542 HC_GEN0010
@ SCOM  SALB  SLU1  SLDR  SLRO  SLNF  SLPF  SMHB  SMPX  SMKE
    BK  0.10   6.0  0.50  75.0  1.00  1.00 SA001 SA001 SA001
@  SLB  SLMH  SLLL  SDUL  SSAT  SRGF  SSKS  SBDM  SLOC  SLCL  SLSI  SLCF  SLNI  SLHW  SLHB  SCEC  SADC
     5     A 0.150 0.312 0.417 1.000  0.34  1.50  2.07  24.5  54.3   -99 0.120   6.4   -99  26.7   -99
    15     A 0.160 0.322 0.423 0.850  0.30  1.52  1.76  26.3  53.4   -99 0.090   6.5   -99  23.4   -99
    30    AB 0.176 0.336 0.432 0.700  0.25  1.55  1.35  29.0  52.1   -99 0.070   6.6   -99  22.7   -99
    60    BA 0.190 0.349 0.440 0.500  0.22  1.60  0.86  31.6  50.7   -99 0.060   6.7   -99  23.7   -99
   100     B 0.191 0.348 0.439 0.380  0.22  1.66  0.50  31.7  50.3   -99 0.050   6.8   -99  23.8   -99
   200    BC 0.181 0.338 0.433 0.200  0.24  1.72  0.30  29.9  50.4   -99 0.040   7.0   -99  23.8   -99

*US02765790  SoilGrids   L       200 Loam, 3.5 km from US-ARM
@SITE        COUNTRY          LAT     LONG SCS FAMILY
 -99         US            36.625  -97.458 HC_GEN0011
@ SCOM  SALB  SLU1  SLDR  SLRO  SLNF  SLPF  SMHB  SMPX  SMKE
    BK  0.10   6.0  0.50  75.0  1.00  1.00 SA001 SA001 SA001
@  SLB  SLMH  SLLL  SDUL  SSAT  SRGF  SSKS  SBDM  SLOC  SLCL  SLSI  SLCF  SLNI  SLHW  SLHB  SCEC  SADC
     5     A 0.143 0.285 0.406 1.000  0.51  1.52  1.35  23.5  43.9   -99 0.120   7.2   -99  22.1   -99
    15     A 0.154 0.297 0.411 0.850  0.43  1.54  1.15  25.4  43.2   -99 0.090   7.3   -99  19.4   -99
    30    AB 0.169 0.312 0.418 0.700  0.34  1.57  0.87  28.0  42.0   -99 0.070   7.4   -99  18.8   -99
    60    BA 0.183 0.325 0.425 0.500  0.28  1.62  0.56  30.5  40.8   -99 0.060   7.5   -99  19.6   -99
   100     B 0.183 0.324 0.425 0.380  0.28  1.68  0.33  30.4  40.2   -99 0.050   7.6   -99  19.8   -99
   200    BC 0.173 0.312 0.418 0.050  0.33  1.74  0.20  28.7  40.0   -99 0.050   7.8   -99  19.7   -99

*US02765789  SoilGrids   L       200 Loam, 5.2 km from US-ARM
@SITE        COUNTRY          LAT     LONG SCS FAMILY
 -99         US            36.625  -97.542 HC_GEN0011
@ SCOM  SALB  SLU1  SLDR  SLRO  SLNF  SLPF  SMHB  SMPX  SMKE
    BK  0.10   6.0  0.50  75.0  1.00  1.00 SA001 SA001 SA001
@  SLB  SLMH  SLLL  SDUL  SSAT  SRGF  SSKS  SBDM  SLOC  SLCL  SLSI  SLCF  SLNI  SLHW  SLHB  SCEC  SADC
     5     A 0.142 0.283 0.405 1.000  0.52  1.53  1.28  23.4  43.5   -99 0.120   7.2   -99  20.7   -99
    15     A 0.153 0.295 0.410 0.850  0.44  1.55  1.08  25.3  42.6   -99 0.090   7.3   -99  18.2   -99
    30    AB 0.168 0.309 0.417 0.700  0.35  1.58  0.82  27.8  41.5   -99 0.070   7.4   -99  17.6   -99
    60    BA 0.183 0.323 0.424 0.500  0.28  1.63  0.53  30.4  40.3   -99 0.060   7.5   -99  18.5   -99
   100     B 0.182 0.322 0.424 0.380  0.29  1.69  0.31  30.3  39.6   -99 0.050   7.6   -99  18.5   -99
   200    BC 0.172 0.310 0.418 0.050  0.34  1.74  0.19  28.6  39.5   -99 0.050   7.8   -99  18.5   -99

*US02770110  SoilGrids   L       200 Loam, 7.6 km from US-ARM
@SITE        COUNTRY          LAT     LONG SCS FAMILY
 -99         US            36.542  -97.458 HC_GEN0011
@ SCOM  SALB  SLU1  SLDR  SLRO  SLNF  SLPF  SMHB  SMPX  SMKE
    BK  0.10   6.0  0.50  75.0  1.00  1.00 SA001 SA001 SA001
@  SLB  SLMH  SLLL  SDUL  SSAT  SRGF  SSKS  SBDM  SLOC  SLCL  SLSI  SLCF  SLNI  SLHW  SLHB  SCEC  SADC
     5     A 0.149 0.293 0.409 1.000  0.45  1.53  1.26  24.5  44.3   -99 0.120   7.2   -99  22.0   -99
    15     A 0.161 0.304 0.415 0.850  0.38  1.55  1.06  26.5  43.5   -99 0.090   7.3   -99  19.3   -99
    30    AB 0.175 0.319 0.422 0.700  0.31  1.58  0.82  29.1  42.2   -99 0.070   7.4   -99  18.7   -99
    60    BA 0.190 0.332 0.430 0.500  0.25  1.63  0.52  31.5  41.1   -99 0.060   7.5   -99  19.6   -99
   100     B 0.189 0.331 0.429 0.380  0.25  1.69  0.31  31.5  40.5   -99 0.050   7.6   -99  19.7   -99
   200    BC 0.180 0.320 0.422 0.050  0.30  1.74  0.19  29.8  40.3   -99 0.050   7.8   -99  19.6   -99
